package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file delivered again under its name with new content (on_change: reprocess): {@code sluice plan} says that its
 * split is a new version of an input already processed, whose output it replaces; {@code sluice status} says its
 * totals count the replaced split too, so that a user does not read them as duplicated rows.
 */
class NewVersionPlanTest {
    @TempDir
    Path dir;

    @Test
    void planNamesTheSplitWhoseOutputANewVersionReplacesAndStatusSaysTotalsCountIt() throws Exception {
        Workspace ws = Workspace.in(dir);
        ws.input("a.csv", "id,v\n1,10\n2,20\n");
        ws.input("b.csv", "id,v\n3,30\n4,40\n");
        ws.input("c.csv", "id,v\n5,50\n");
        Path p = ws.pipeline("""
                pipeline: versions
                source: { files: { path: in, pack: { max_files: 1 } } }
                sink: { files: { path: out, format: parquet } }
                """);
        run(p).ok();
        String earlier = idOfSplitReading(p, "b.csv");

        Path b = ws.input("b.csv", "id,v\n3,31\n4,41\n6,61\n");
        Files.setLastModifiedTime(b, FileTime.from(Instant.now().minusSeconds(30)));

        String plan = sluice("plan", p.toString()).ok().out();
        assertThat(plan)
                .containsPattern(
                        "(?m)^  new      b\\.csv\\S*  \\[whole file, .*\\] \\(new version of b\\.csv: replaces the "
                                + "output of split " + java.util.regex.Pattern.quote(earlier) + "\\)$");
        JsonNode json = new ObjectMapper()
                .readTree(sluice("plan", p.toString(), "--json").ok().out());
        JsonNode split = json.get("splits").get(0);
        assertThat(json.get("splits")).hasSize(1);
        assertThat(split.get("replaces")).hasSize(1);
        assertThat(split.get("replaces").get(0).get("split").asText()).isEqualTo(earlier);
        assertThat(split.get("replaces").get(0).get("inputs").get(0).asText()).isEqualTo("b.csv");

        run(p).ok();
        assertThat(ws.outputRows("id, v", "parquet")).hasSize(6);
        String status = sluice("status", p.toString()).ok().out();
        assertThat(status).contains("  done     4\n");
        assertThat(status)
                .contains("rows 8 in, 8 out, 0 bad record(s)")
                .contains("\n(totals of the work done: a split whose output a newer version of its input replaced "
                        + "counts too)");

        // a plan with nothing new says nothing of versions; a new file is no new version
        ws.input("d.csv", "id,v\n7,70\n");
        String next = sluice("plan", p.toString()).ok().out();
        assertThat(next).containsPattern("(?m)^  new      d\\.csv\\S*  \\[whole file, [^\\]]*\\]$");
        assertThat(new ObjectMapper()
                        .readTree(sluice("plan", p.toString(), "--json").ok().out())
                        .get("splits")
                        .get(0)
                        .get("replaces"))
                .isEmpty();
    }

    private static String idOfSplitReading(Path p, String name) throws Exception {
        return StreamSupport.stream(CliRun.status(p).get("splits").spliterator(), false)
                .map(s -> s.get("id").asText())
                .filter(id -> id.startsWith(name))
                .findFirst()
                .orElseThrow();
    }
}
