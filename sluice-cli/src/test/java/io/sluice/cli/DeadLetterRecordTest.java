package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.testkit.Workspace;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A csv record DuckDB rejects is written to its dead letter as the file holds it, read from the file's bytes at its
 * line, so that a user can fix it and put it back: whole lines (a quoted value over several lines included), CRLF line
 * ends as they are inside it, and a record whose bytes are not UTF-8 (a Latin-1 file read without {@code encoding:
 * latin-1}) read as Latin-1, each byte one character, so that writing it in ISO-8859-1 gives the file's bytes back.
 */
@ExtendWith(WorkspaceExtension.class)
class DeadLetterRecordTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Workspace ws;

    DeadLetterRecordTest(Workspace ws) {
        this.ws = ws;
    }

    private List<JsonNode> deadLetters(String file, byte[] content, String sourceExtra) throws Exception {
        ws.input(file, content);
        return deadLetters("path: in, include: \"**/*.csv*\"" + sourceExtra);
    }

    /** The dead letters of a run reading the files source of the options {@code files}. */
    private List<JsonNode> deadLetters(String files) throws Exception {
        Path p = ws.pipeline("""
                pipeline: dlrecord
                source: { files: { %s } }
                sink: { files: { path: out, format: parquet } }
                run: { on_bad_record: dead_letter }
                """.formatted(files));
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isZero();
        List<JsonNode> out = new ArrayList<>();
        for (String line : ws.deadLetters()) out.add(JSON.readTree(line));
        return out;
    }

    private static byte[] gzip(byte[] bytes) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"in.csv, false", "in.csv.gz, true"})
    void aLatin1RecordReadAsUtf8IsItsLineReadAsLatin1(String file, boolean gz) throws Exception {
        byte[] bytes = "id,name,amount\n1,Jos\u00e9,100.00\n2,b,3.00\n".getBytes(ISO_8859_1);
        assertThat(deadLetters(file, gz ? gzip(bytes) : bytes, ""))
                .singleElement()
                .satisfies(d -> {
                    assertThat(d.get("line").asLong()).isEqualTo(2);
                    assertThat(d.get("reason").asText()).contains("encoding: latin-1");
                    assertThat(d.get("record").asText()).isEqualTo("1,Jos\u00e9,100.00");
                    assertThat(d.get("record").asText().getBytes(ISO_8859_1))
                            .as("the file's bytes, written back in ISO-8859-1")
                            .isEqualTo("1,Jos\u00e9,100.00".getBytes(ISO_8859_1));
                });
        assertThat(ws.outputRows("id", "parquet")).containsExactly("2");
    }

    @Test
    void aLatin1RecordInALaterByteRangeIsItsLineReadAsLatin1() throws Exception {
        StringBuilder csv = new StringBuilder("id,name,amount\n");
        for (int i = 0; i < 3000; i++) csv.append(i).append(",n").append(i).append(",1.00\n");
        csv.append("77777,Jos\u00e9,2.00\n");
        for (int i = 3000; i < 3200; i++) csv.append(i).append(",n").append(i).append(",1.00\n");
        assertThat(deadLetters("big.csv", csv.toString().getBytes(ISO_8859_1), ", split_size: 16KB"))
                .singleElement()
                .satisfies(d -> {
                    assertThat(d.get("line").asLong()).isEqualTo(3002);
                    assertThat(d.get("record").asText()).isEqualTo("77777,Jos\u00e9,2.00");
                });
        assertThat(ws.outputRows("id", "parquet")).hasSize(3200);
    }

    /** A range of an object in a store names its records by byte: its record is read from the range's bytes. */
    @Test
    void aLatin1RecordOverTwoLinesInARangeNamedByByteIsItsLinesReadAsLatin1() throws Exception {
        StringBuilder csv = new StringBuilder("id,name,amount\r\n");
        for (int i = 0; i < 400; i++) csv.append(i).append(",n,1.00\r\n");
        long at = csv.length();
        String record = "77777,\"Jos\u00e9\r\nSr\",2.00";
        csv.append(record).append("\r\n");
        for (int i = 400; i < 410; i++) csv.append(i).append(",n,1.00\r\n");
        String source = S3Inputs.putBytes(
                "dlrecord", java.util.Map.of("big.csv", csv.toString().getBytes(ISO_8859_1)));
        assertThat(deadLetters(source + ", split_size: 1KB")).singleElement().satisfies(d -> {
            assertThat(d.get("byte").asLong()).isEqualTo(at);
            assertThat(d.get("record").asText()).isEqualTo(record);
        });
    }

    @Test
    void aUtf8RecordKeepsItsCharacters() throws Exception {
        byte[] bytes = "id,name,amount\n1,Jos\u00e9,1.00,EXTRA\n2,b,3.00\n".getBytes(UTF_8);
        assertThat(deadLetters("in.csv", bytes, ""))
                .singleElement()
                .satisfies(d -> assertThat(d.get("record").asText()).isEqualTo("1,Jos\u00e9,1.00,EXTRA"));
    }

    /**
     * Plain and CRLF line ends; a quoted value over two lines, its line end inside it kept as the file has it ({@code
     * ~} stands for the file's line end).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "plain|false|2,b,3.00,EXTRA",
                "crlf|true|2,b,3.00,EXTRA",
                "quoted lines|false|2,\"two~lines\",3.00,EXTRA",
                "quoted lines crlf|true|2,\"two~lines\",3.00,EXTRA",
                "quoted latin-1 lines|false|2,\"Jos\u00e9~Sr\",3.00"
            })
    void aRejectedRecordIsItsWholeLinesAsTheFileHasThem(String name, boolean crlf, String written) throws Exception {
        String eol = crlf ? "\r\n" : "\n";
        String record = written.replace("~", eol);
        String csv = "id,name,amount" + eol + "1,a,1.00" + eol + record + eol + "3,c,4.00" + eol;
        assertThat(deadLetters("in.csv", csv.getBytes(ISO_8859_1), ""))
                .singleElement()
                .satisfies(d -> {
                    assertThat(d.get("line").asLong()).isEqualTo(3);
                    assertThat(d.get("record").asText()).isEqualTo(record);
                });
        assertThat(ws.outputRows("id", "parquet")).containsExactlyInAnyOrder("1", "3");
    }

    /** A record of NUL bytes (the tail a crash leaves) is a dead letter holding them: a text may hold any byte. */
    @Test
    void aRecordOfNulBytesIsADeadLetterHoldingThem() throws Exception {
        byte[] bytes = "id,name,amount\n1,a,1.00\n\0\0\0\0\n2,b,3\n".getBytes(UTF_8);
        assertThat(deadLetters("in.csv", bytes, "")).singleElement().satisfies(d -> {
            assertThat(d.get("line").asLong()).isEqualTo(3);
            assertThat(d.get("record").asText()).isEqualTo("\0\0\0\0");
        });
        assertThat(ws.outputRows("id", "parquet")).containsExactlyInAnyOrder("1", "2");
    }

    /**
     * Bad records one after another are each their own lines (DuckDB's position of a record after a CRLF is the line
     * feed that ended the record before it), a quoted value over two lines among them ({@code ~}: the line end).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "two lf|false|2,Jos\u00e9,3.00;3,Ren\u00e9,4.00",
                "two crlf|true|2,Jos\u00e9,3.00;3,Ren\u00e9,4.00",
                "three lf|false|2,Jos\u00e9,3.00;3,\"Ren\u00e9~Sr\",4.00;4,Zo\u00eb,5.00",
                "three crlf|true|2,Jos\u00e9,3.00;3,\"Ren\u00e9~Sr\",4.00;4,Zo\u00eb,5.00",
                "quoted first crlf|true|2,\"Jos\u00e9~Sr\",3.00;3,Ren\u00e9,4.00"
            })
    void badRecordsOneAfterAnotherAreEachTheirOwnLines(String name, boolean crlf, String written) throws Exception {
        String eol = crlf ? "\r\n" : "\n";
        List<String> records = List.of(written.replace("~", eol).split(";"));
        String csv = "id,name,amount" + eol + "1,a,1.00" + eol + String.join(eol, records) + eol + "9,z,9.00" + eol;
        assertThat(deadLetters("in.csv", csv.getBytes(ISO_8859_1), ""))
                .extracting(d -> d.get("record").asText())
                .containsExactlyElementsOf(records);
        assertThat(ws.outputRows("id", "parquet")).containsExactlyInAnyOrder("1", "9");
    }

    /** A file whose header has more commas than semicolons is still read by the delimiter DuckDB found. */
    @Test
    void aRecordIsReadWithTheReadsDelimiterNotTheHeadersMostFrequentByte() throws Exception {
        String record = "2;\"Jos\u00e9\n;Sr\";3.00";
        String csv = "id;name,first,last;amount\n1;a;1.00\n" + record + "\n3;c;4.00\n4;d;5.00\n";
        assertThat(deadLetters("in.csv", csv.getBytes(ISO_8859_1), ""))
                .singleElement()
                .satisfies(d -> assertThat(d.get("record").asText()).isEqualTo(record));
    }

    /**
     * A file whose lines end some in LF, some in CRLF is read from a copy whose line ends are LF (one without quotes:
     * no record holds a line end): its records are the file's, the CR of the line end after each not part of it.
     */
    @Test
    void aRecordOfAFileWithMixedLineEndsIsItsLine() throws Exception {
        String csv = "id,name,amount\r\n1,a,1.00\n2,Jos\u00e9,3.00\r\n3,Ren\u00e9,4.00\n4,b,5.00\r\n";
        assertThat(deadLetters("in.csv", csv.getBytes(ISO_8859_1), ""))
                .extracting(d -> d.get("record").asText())
                .containsExactly("2,Jos\u00e9,3.00", "3,Ren\u00e9,4.00");
        assertThat(ws.outputRows("id", "parquet")).containsExactlyInAnyOrder("1", "4");
    }
}
