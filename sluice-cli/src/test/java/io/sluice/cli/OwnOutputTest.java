package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A files sink whose folder lies inside the files source's: the source never lists the sink's folder, so a run never
 * reads the output of the runs before it (which would multiply the rows at every run), and validate and plan say so.
 */
class OwnOutputTest {
    @TempDir
    Path dir;

    private Workspace ws;

    @BeforeEach
    void workspace() throws Exception {
        ws = Workspace.in(dir);
        ws.input("x.jsonl", "{\"a\":1}\n");
    }

    /** settle 0s: the output of a run is ready to be listed at once, as it is 2 s later by default. */
    private Path pipeline(String sinkPath, String format) throws Exception {
        return ws.pipeline("""
                pipeline: own
                source:
                  files: { path: in, include: "**/*.jsonl", settle: 0s }
                sink:
                  files: { path: %s, format: %s }
                """.formatted(sinkPath, format));
    }

    /** Every line of the visible data files under {@code folder}. */
    private static List<String> rows(Path folder, String extension) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : walk.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().endsWith(extension))
                    .filter(p -> !folder.relativize(p).toString().startsWith("_"))
                    .sorted()
                    .toList()) rows.addAll(Files.readAllLines(p));
        }
        return rows;
    }

    @Test
    void aSinkInsideTheSourceFolderIsNeverReadBackAndValidateSaysItIsLeftOut() throws Exception {
        Path p = pipeline("in/out", "jsonl");

        String valid = sluice("validate", p.toString()).ok().out();
        assertThat(valid)
                .contains("note: the sink's folder " + ws.in().resolve("out"))
                .contains("left out");

        for (int i = 0; i < 3; i++) run(p).ok();

        assertThat(rows(ws.in().resolve("out"), ".jsonl"))
                .as("the input's one row, once: no run read an earlier run's output")
                .containsExactly("{\"a\":1}");
        String plan = sluice("plan", p.toString()).ok().out();
        assertThat(plan).contains("0 new split(s)").contains("note: the sink's folder");
    }

    @Test
    void parquetIntoASubfolderOfACsvSourceKeepsWorking() throws Exception {
        ws.input("a.csv", "id,v\n1,x\n");
        Path p = ws.pipeline("""
                pipeline: own
                source:
                  files: { path: in, include: "**/*.csv", settle: 0s }
                sink:
                  files: { path: in/parquet, format: parquet }
                """);

        run(p).ok();
        run(p).ok();

        assertThat(Workspace.query("SELECT id, v FROM read_parquet('" + ws.in().resolve("parquet") + "/*.parquet')"))
                .containsExactly("1|x");
    }

    @Test
    void aSinkWritingIntoTheSourceFolderItselfIsRefusedWithWhereToWriteInstead() throws Exception {
        Path p = pipeline("in", "jsonl");

        CliRun r = sluice("validate", p.toString());

        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err())
                .contains("source.files.path")
                .contains("is also the folder the sink writes in")
                .contains("subfolder (e.g. " + ws.in().resolve("out"));
        assertThat(run(p).code()).isEqualTo(2);
        assertThat(rows(ws.in(), ".jsonl")).containsExactly("{\"a\":1}");
    }
}
