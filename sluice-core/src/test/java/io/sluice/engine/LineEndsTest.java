package io.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.spi.source.LocalFiles;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The copy a file of mixed line ends is read from: every CRLF is an LF, whatever buffer its two bytes fall in, and
 * nothing else changes (a CR inside a line, a CR ending the file); where the line ends change is named by line.
 */
class LineEndsTest {
    @TempDir
    Path dir;

    /** LF lines, then a CRLF whose CR is the last byte of the copy's first 64 KB buffer, a lone CR, a CR at the end. */
    private static String mixed() {
        StringBuilder b = new StringBuilder();
        while (b.length() < (1 << 16) - 20) b.append("x".repeat(9)).append('\n');
        b.append("y".repeat((1 << 16) - 1 - b.length())).append("\r\n"); // CR at 65535, LF at 65536
        b.append("a\rb\r\n").append("last\n").append("tail\r");
        return b.toString();
    }

    private LocalFiles text(Path file) {
        return new LocalFiles(List.of(LocalFiles.Part.whole(file, "app.log")), "text", false, null);
    }

    @Test
    void aPlainFileIsCopiedWithEachCrlfAnLfAcrossBuffers() throws Exception {
        String text = mixed();
        Path file = Files.writeString(dir.resolve("app.log"), text, StandardCharsets.ISO_8859_1);
        LocalFiles evened = LineEnds.evened(text(file), dir.resolve("copies")).orElseThrow();
        Path copy = evened.parts().getFirst().file();
        assertThat(evened.parts().getFirst().key()).isEqualTo("app.log");
        assertThat(Files.readString(copy, StandardCharsets.ISO_8859_1)).isEqualTo(text.replace("\r\n", "\n"));
        long lfLines = text.chars().filter(c -> c == '\n').count() - 3;
        assertThat(LineEnds.scan(file, false, false).orElseThrow().describe())
                .isEqualTo("lines 1-" + lfLines + " end in LF, line " + (lfLines + 1) + " in CRLF");
    }

    @Test
    void aGzippedFileIsCopiedDecompressed() throws Exception {
        String text = mixed();
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        }
        Path file = Files.write(dir.resolve("app.log.1.gz"), gz.toByteArray());
        Path copy = LineEnds.evened(text(file), dir.resolve("copies"))
                .orElseThrow()
                .parts()
                .getFirst()
                .file();
        assertThat(copy.getFileName().toString()).doesNotEndWith(".gz");
        assertThat(Files.readString(copy, StandardCharsets.ISO_8859_1)).isEqualTo(text.replace("\r\n", "\n"));
    }

    @Test
    void filesThatEndEveryLineAlikeAreNotCopied() throws Exception {
        Path lf = Files.writeString(dir.resolve("lf.log"), "a\nb\n");
        Path crlf = Files.writeString(dir.resolve("crlf.log"), "a\r\nb\r\n");
        assertThat(LineEnds.evened(text(lf), dir.resolve("copies"))).isEmpty();
        assertThat(LineEnds.evened(text(crlf), dir.resolve("copies"))).isEmpty();
    }

    @Test
    void aCrInsideALineIsFoundByItsLineOutsideQuotesAcrossBuffers() throws Exception {
        assertThat(LineEnds.loneCr(Files.writeString(dir.resolve("a.log"), "one\r\ntwo\rhalf\r\n"), false, false))
                .isEqualTo(2);
        assertThat(LineEnds.loneCr(Files.writeString(dir.resolve("b.log"), "one\r\ntwo\ntail\r"), false, false))
                .as("a CR ending the file, which the reader gives up on after LF line ends")
                .isEqualTo(3);
        assertThat(LineEnds.loneCr(Files.writeString(dir.resolve("d.log"), "one\r\ntwo\n"), false, false))
                .as("CRLF and LF line ends")
                .isZero();
        Path quoted = Files.writeString(dir.resolve("q.csv"), "a,\"x\ry\"\nb,\"say \"\"hi\"\"\"\r\nc,d\re\n");
        assertThat(LineEnds.loneCr(quoted, false, true))
                .as("inside quotes it is a value's")
                .isEqualTo(3);
        String across = "x".repeat((1 << 16) - 1) + "\ry\n"; // the CR is the first buffer's last byte
        assertThat(LineEnds.loneCr(Files.writeString(dir.resolve("c.log"), across), false, false))
                .isEqualTo(1);
    }

    /** RFC 4180: a quote inside an unquoted field is text, so it opens nothing and hides no later CR. */
    @Test
    void aStrayQuoteInsideAnUnquotedCsvFieldHidesNoLaterCr() throws Exception {
        Path stray = Files.writeString(dir.resolve("s.csv"), "item,size\nTV 55\" screen,big\nradio,sm\rall\n");
        assertThat(LineEnds.loneCr(stray, false, true)).isEqualTo(3);
        Path tabs = Files.writeString(dir.resolve("t.tsv"), "a\tb\nx,\"y\tz\rw\n\"q\"\tv\n");
        assertThat(LineEnds.loneCr(tabs, false, true))
                .as("a quote after a comma in a tab-delimited file is text too")
                .isEqualTo(2);
        Path quoted = Files.writeString(dir.resolve("r.csv"), "a,b\n1,\"x\ry\"\n2,\"say \"\"hi\"\"\"\n");
        assertThat(LineEnds.loneCr(quoted, false, true))
                .as("a CR inside a quoted field, after a doubled quote")
                .isZero();
    }

    /**
     * A text file with CRs inside its lines is copied with each such CR (one ending the file, one across buffers) the
     * first mark that no file of the split holds, and each CRLF an LF; a file without a CR is read as it is.
     */
    @Test
    void textCrsInsideLinesAreMarkedWithAByteNoFileOfTheSplitHolds() throws Exception {
        String across = "x".repeat((1 << 16) - 1) + "\ry\r\n"; // the first CR is the first buffer's last byte
        Path a = Files.writeString(dir.resolve("a.log"), across + "p\rq\nend\r", StandardCharsets.ISO_8859_1);
        Path b = Files.writeString(dir.resolve("b.log"), "\u0001\u0002\n", StandardCharsets.ISO_8859_1);
        LocalFiles in = new LocalFiles(
                List.of(LocalFiles.Part.whole(a, "a.log"), LocalFiles.Part.whole(b, "b.log")), "text", false, null);
        LineEnds.Copies copies = LineEnds.copies(in, dir.resolve("copies")).orElseThrow();
        assertThat(copies.crMark()).as("0x01 and 0x02 occur in b.log").isEqualTo(3);
        assertThat(Files.readString(copies.input().parts().getFirst().file(), StandardCharsets.ISO_8859_1))
                .isEqualTo("x".repeat((1 << 16) - 1) + "\u0003y\n" + "p\u0003q\nend\u0003");
        assertThat(copies.input().parts().get(1).file()).isEqualTo(b);
        assertThat(copies.input().parts().getFirst().key()).isEqualTo("a.log");

        Path crlf = Files.writeString(dir.resolve("c.log"), "a\r\nb\n");
        LineEnds.Copies evened =
                LineEnds.copies(text(crlf), dir.resolve("copies2")).orElseThrow();
        assertThat(evened.crMark()).as("no CR inside a line: nothing to mark").isZero();
        assertThat(Files.readString(evened.input().parts().getFirst().file())).isEqualTo("a\nb\n");
        assertThat(LineEnds.copies(text(b), dir.resolve("copies3"))).as("no CR").isEmpty();
    }

    @Test
    void aFileWithACrInsideALineIsRefusedNotRetryableNamingItsLine() throws Exception {
        Path file = Files.writeString(dir.resolve("a.log"), "a\nb\rc\n");
        LocalFiles in = new LocalFiles(List.of(LocalFiles.Part.whole(file, "in/a.log")), "text", false, null);
        assertThatThrownBy(() -> LineEnds.refuseLoneCr(in))
                .isInstanceOfSatisfying(
                        SplitFailure.class, f -> assertThat(f.retryable()).isFalse())
                .hasMessageContaining("in/a.log line 2 holds a carriage return (CR)")
                .hasMessageContaining("sluice retry");
    }

    @Test
    void aQuotedCsvFileIsNotCopiedButFailsNamingTheFileAndLineNotRetryable() throws Exception {
        Path file = Files.writeString(dir.resolve("q.csv"), "a,\"x\r\ny\"\r\nb,c\n");
        LocalFiles csv = new LocalFiles(List.of(LocalFiles.Part.whole(file, "in/q.csv")), "csv", false, null);
        assertThatThrownBy(() -> LineEnds.evened(csv, dir.resolve("copies")))
                .isInstanceOfSatisfying(
                        SplitFailure.class, f -> assertThat(f.retryable()).isFalse())
                .hasMessageContaining("in/q.csv mixes line ends: lines 1-2 end in CRLF, line 3 in LF")
                .hasMessageContaining("dos2unix");
    }
}
