package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code encoding: latin-1}: files whose accented letters are single bytes, as older systems export them. */
class EncodingTest {
    @TempDir
    Path tmp;

    private static final byte[] LATIN_1 = "id,name,v\n1,René,5\n2,Zoë,7\n".getBytes(StandardCharsets.ISO_8859_1);

    private Path pipeline(Workspace ws, String sourceExtra) throws Exception {
        return ws.pipeline("""
                pipeline: latin
                source: { files: { path: in%s } }
                sink: { files: { path: out, format: csv } }
                """.formatted(sourceExtra));
    }

    private static List<String> output(Workspace ws) throws Exception {
        List<String> lines = new ArrayList<>();
        for (Path f : ws.outputFiles(".csv")) lines.addAll(Files.readAllLines(f, StandardCharsets.UTF_8));
        return lines;
    }

    @Test
    void latin1FilesAreReadWithTheirLetters() throws Exception {
        Workspace ws = Workspace.in(tmp);
        ws.input("a.csv", LATIN_1);
        CliRun.run(pipeline(ws, ", include: \"*.csv\", encoding: latin-1")).ok();
        assertThat(output(ws)).containsExactly("id,name,v", "1,René,5", "2,Zoë,7");
        assertThat(ws.deadLetters()).isEmpty();
    }

    @Test
    void readAsUtf8TheirRowsAreBadRecordsThatSayWhatToSet() throws Exception {
        Workspace ws = Workspace.in(tmp);
        ws.input("a.csv", LATIN_1);
        CliRun.run(pipeline(ws, "")).ok();
        assertThat(ws.deadLetters())
                .hasSize(2)
                .allSatisfy(d -> assertThat(d).contains("set encoding: latin-1 on the files source"));
    }

    @Test
    void textLinesTooAndJsonLinesAreRefused() throws Exception {
        Workspace ws = Workspace.in(tmp);
        ws.input("app.log", "démarré\n".getBytes(StandardCharsets.ISO_8859_1));
        Path text = ws.pipeline("""
                pipeline: log
                source: { files: { path: in, include: "*.log", encoding: latin-1 } }
                sink: { files: { path: out, format: csv } }
                """);
        CliRun.run(text).ok();
        assertThat(output(ws)).containsExactly("line", "démarré");

        Path json = ws.pipeline("""
                pipeline: json
                source: { files: { path: in, format: jsonl, encoding: latin-1 } }
                sink: { files: { path: out } }
                """);
        CliRun r = CliRun.run(json);
        assertThat(r.code()).as("%s", r).isEqualTo(2);
        assertThat(r.err()).contains(json + ":2:").contains("encoding is for csv and text files");
    }
}
