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

        deliverAgain(ws, "b.csv", "id,v\n3,31\n4,41\n6,61\n");

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
        assertThat(split.get("replaces").get(0).get("byte_range").asBoolean()).isFalse();

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
        assertThat(firstSplitsReplaces(p)).isEmpty();
    }

    @Test
    void aNewVersionOfAPackedFileReplacesThePacksOutput() throws Exception {
        Workspace ws = Workspace.in(dir);
        for (int i = 0; i < 3; i++) ws.input("day-" + i + ".csv", "id,v\n" + i + ",1\n");
        Path p = ws.pipeline("""
                pipeline: versions
                source: { files: { path: in, pack: { max_files: 3 } } }
                sink: { files: { path: out, format: parquet } }
                run: { parallelism: 1 }
                """);
        run(p).ok();
        String pack = idOfSplitReading(p, "pack:");

        deliverAgain(ws, "day-1.csv", "id,v\n1,2\n11,2\n");

        assertThat(sluice("plan", p.toString()).ok().out())
                .containsPattern("(?m)^  new      \\S+  \\[3 files, .*\\] \\(new version of the 3 inputs of split "
                        + java.util.regex.Pattern.quote(pack) + ": replaces its output\\)$");
        JsonNode replaces = firstSplitsReplaces(p);
        assertThat(replaces).hasSize(1);
        assertThat(replaces.get(0).get("split").asText()).isEqualTo(pack);
        assertThat(replaces.get(0).get("inputs")).hasSize(3);
    }

    @Test
    void aNewVersionOfAFileReadInRangesSaysEveryRangesOutputGoes() throws Exception {
        Workspace ws = Workspace.in(dir);
        StringBuilder csv = new StringBuilder("id,v\n");
        for (int i = 0; i < 2000; i++) csv.append(i).append(",1\n");
        ws.input("big.csv", csv.toString());
        Path p = ws.pipeline("""
                pipeline: versions
                source: { files: { path: in, split_size: 4KB } }
                sink: { files: { path: out, format: parquet } }
                """);
        run(p).ok();
        assertThat(CliRun.status(p).get("counts").get("done").asInt())
                .as("cut into ranges")
                .isGreaterThan(2);

        deliverAgain(ws, "big.csv", "id,v\n1,2\n");

        assertThat(sluice("plan", p.toString()).ok().out())
                .containsPattern(
                        "(?m)^  new      big\\.csv\\S*  \\[whole file, .*\\] \\(new version of big\\.csv: replaces the "
                                + "output of split big\\.csv\\S* and of the other byte ranges of that version\\)$");
        JsonNode replaced = firstSplitsReplaces(p).get(0);
        assertThat(replaced.get("byte_range").asBoolean()).isTrue();
        assertThat(replaced.get("inputs").get(0).asText()).isEqualTo("big.csv");
    }

    /**
     * A version that ended dead between the done one and the new one: the new version still replaces the done one's
     * output (the sink keeps one version of a file), and plan says so.
     */
    @Test
    void aNewVersionAfterADeadOneReplacesTheOutputOfTheDoneOne() throws Exception {
        Workspace ws = Workspace.in(dir);
        Path p = doneThenDead(ws);
        String done = idOfSplitReading(p, "a.csv");

        deliverAgain(ws, "a.csv", "id,v\n1,11\n2,20\n");

        JsonNode replaces = firstSplitsReplaces(p);
        assertThat(replaces)
                .as("plan names the done split the new version replaces")
                .hasSize(1);
        assertThat(replaces.get(0).get("split").asText()).isEqualTo(done);
        run(p).ok(); // the second version's dead split is replaced
        CliRun.assertSameRows(ws.outputRows("id, v", "parquet"), java.util.List.of("1|11", "2|20"));
    }

    /**
     * A version that ended dead, then a newer one done: nothing is left to do, so a run exits 0 (a cron job alerting
     * on the exit code does not alert forever), status counts and lists the dead version apart as replaced, and retry
     * leaves it as it is (run again, it would read nothing: its version of the file is gone).
     */
    @Test
    void aDeadVersionThatANewerDoneOneReplacedNoLongerFailsRunsNorIsRetried() throws Exception {
        Workspace ws = Workspace.in(dir);
        ws.input("b.csv", "id,v\n3,30\n");
        Path p = doneThenDead(ws);
        String first = idOfSplitReading(p, "a.csv");
        String dead = CliRun.splits(p, "dead").get(0).get("id").asText();
        assertThat(run(p).code())
                .as("a dead split that nothing replaced still fails a run")
                .isEqualTo(1);

        deliverAgain(ws, "a.csv", "id,v\n1,11\n2,20\n");
        CliRun third = run(p);
        assertThat(third.code()).as(third.toString()).isZero();
        assertThat(third.out())
                .contains("1 dead split(s) replaced: a newer version of their inputs is done")
                .doesNotContain("sluice retry");
        assertThat(run(p).code()).as("and every run after").isZero();
        String newest = idOfSplitReading(p, "a.csv", "done", first);

        String status = sluice("status", p.toString()).ok().out();
        assertThat(status)
                .contains("  dead     0\n")
                .contains("  replaced 1 (failed or dead; a newer version of their inputs is done)\n")
                .contains("replaced splits (a newer version of their inputs is done: nothing to retry):\n  dead     "
                        + dead)
                .contains("replaced by: " + newest)
                .doesNotContain("failed and dead splits");
        JsonNode json = CliRun.status(p);
        assertThat(json.get("counts").get("dead").asInt()).isZero();
        assertThat(json.get("counts").get("replaced").asInt()).isEqualTo(1);
        JsonNode listed = StreamSupport.stream(json.get("splits").spliterator(), false)
                .filter(s -> s.get("id").asText().equals(dead))
                .findFirst()
                .orElseThrow();
        assertThat(listed.get("state").asText()).as("its history stays").isEqualTo("dead");
        assertThat(listed.get("replaced_by").get(0).asText()).isEqualTo(newest);

        assertThat(sluice("retry", p.toString()).ok().out())
                .contains("0 split(s) sent back to pending")
                .contains("1 replaced split(s) left as they are");
        assertThat(sluice("retry", p.toString(), dead).ok().out())
                .contains("0 split(s) sent back to pending")
                .contains("split " + dead + " is replaced by " + newest + " (a newer version of its inputs, done): "
                        + "left as it is");
        assertThat(CliRun.splits(p, "dead")).hasSize(1);
        assertThat(run(p).ok().out()).contains("0 split(s) done");
        CliRun.assertSameRows(ws.outputRows("id, v", "parquet"), java.util.List.of("1|11", "2|20", "3|30"));
    }

    /** a.csv done, then a second version of it dead: a step refuses its value. */
    private static Path doneThenDead(Workspace ws) throws Exception {
        ws.input("a.csv", "id,v\n1,10\n");
        Path p = ws.pipeline("""
                pipeline: versions
                source: { files: { path: in, pack: { max_files: 1 } } }
                steps:
                  - sql: SELECT id, CAST(v AS INTEGER) AS v FROM input
                sink: { files: { path: out, format: parquet } }
                """);
        run(p).ok();
        deliverAgain(ws, "a.csv", "id,v\n1,12.5 USD\n");
        assertThat(run(p).code())
                .as("the refused value leaves the second version dead")
                .isEqualTo(1);
        return p;
    }

    /** The file again with other content and a later modification time: a new version of it. */
    private static void deliverAgain(Workspace ws, String name, String content) throws Exception {
        Path f = ws.input(name, content);
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().minusSeconds(30)));
    }

    /** {@code replaces} of the first split of {@code sluice plan --json}. */
    private static JsonNode firstSplitsReplaces(Path p) throws Exception {
        return new ObjectMapper()
                .readTree(sluice("plan", p.toString(), "--json").ok().out())
                .get("splits")
                .get(0)
                .get("replaces");
    }

    /** The split reading {@code name} in {@code state}, other than {@code not}. */
    private static String idOfSplitReading(Path p, String name, String state, String not) throws Exception {
        return CliRun.splits(p, state).stream()
                .map(s -> s.get("id").asText())
                .filter(id -> id.startsWith(name) && !id.equals(not))
                .findFirst()
                .orElseThrow();
    }

    private static String idOfSplitReading(Path p, String name) throws Exception {
        return StreamSupport.stream(CliRun.status(p).get("splits").spliterator(), false)
                .map(s -> s.get("id").asText())
                .filter(id -> id.startsWith(name))
                .findFirst()
                .orElseThrow();
    }
}
