package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An example's run.sh as a user runs it, on a copy of the example: it writes its data and runs the pipeline. The
 * {@code sluice} script beside the copy starts this build's CLI (the real one would build it with Maven first).
 */
class ExampleScriptsTest {
    private static final Pattern LINE = Pattern.compile("^\\S+ \\S+ \\S+ (\\d+)$");

    @TempDir
    Path dir;

    @Test
    void usageLogsRunShWritesTheLogsAndSumsEveryLine() throws Exception {
        Path example = copy("usage-logs");
        String first = runSh(example);
        assertThat(first).contains("usage finished").contains("totals.csv (");
        assertTotalsMatchTheLogs(example, example.resolve("data/out/usage/totals.csv"));
        assertThat(first).contains("1 bad record(s)");
    }

    /**
     * The logs of examples/usage-logs summed into a bucket of the S3Proxy that run.sh starts: partials, compaction and
     * totals are objects; after more lines and a rotation, a second run's totals hold every line once.
     */
    @Test
    void usageLogsS3RunShSumsEveryLineIntoTheBucket() throws Exception {
        Path logs = copy("usage-logs");
        Path example = copy("usage-logs-s3");
        scripts("env.sh", "s3proxy.sh");
        // S3Proxy keeps each object as a file under data/s3/BUCKET/, so the totals can be read back here
        Path totals = example.resolve("data/s3/usage-lake/usage/totals.csv");
        assertThat(runSh(example)).contains("usage-s3 finished").contains("lines counted)");
        assertTotalsMatchTheLogs(logs, totals);
        Process more = new ProcessBuilder("bash", logs.resolve("generate.sh").toString(), "more")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("more.log").toFile())
                .start();
        assertThat(more.waitFor(60, TimeUnit.SECONDS) && more.exitValue() == 0)
                .as(Files.readString(dir.resolve("more.log")))
                .isTrue();
        assertThat(runSh(example)).contains("usage-s3 finished");
        assertTotalsMatchTheLogs(logs, totals);
    }

    /**
     * The CUR files of examples/focus-aws uploaded to a bucket of the S3Proxy that run.sh starts, converted into
     * another bucket; run again, nothing is converted twice and the bucket holds the same objects.
     */
    @Test
    void focusAwsS3RunShConvertsTheBucketOnceAndListsIt() throws Exception {
        Path example = copy("focus-aws-s3");
        copyTree(
                Path.of("..", "examples", "focus-aws", "input"),
                example.resolveSibling("focus-aws").resolve("input"));
        scripts("env.sh", "s3proxy.sh");
        String first = runSh(example);
        assertThat(first)
                .contains("focus-aws-s3 finished")
                .contains("uploaded s3://billing-exports/cur/public/2023-11/");
        Matcher rows = Pattern.compile("rows (\\d+) in, (\\d+) out").matcher(first);
        assertThat(rows.find()).as(first).isTrue();
        List<String> listing = objects(first);
        assertThat(listing)
                .as(first)
                .isNotEmpty()
                .allMatch(line -> line.contains("\ts3://finops-lake/focus/"))
                .anyMatch(line -> line.contains("/BillingPeriodStart=") && line.endsWith(".parquet"));
        // S3Proxy keeps each object as a file under data/s3/BUCKET/, so the output can be read back here
        String parquet = example.resolve("data/s3/finops-lake/focus") + "/**/*.parquet";
        assertThat(Workspace.query("SELECT count(*) FROM read_parquet('" + parquet + "', filename = true) "
                        + "WHERE filename NOT LIKE '%/\\_%' ESCAPE '\\'"))
                .containsExactly(rows.group(2));
        assertThat(Long.parseLong(rows.group(2))).isPositive();

        String second = runSh(example);
        assertThat(second)
                .contains("focus-aws-s3 finished in")
                .contains("0 split(s) done")
                .contains("3 input(s) already processed by earlier runs");
        assertThat(objects(second)).isEqualTo(listing);
    }

    /** The repository's scripts that run.sh sources, beside the examples' copies. */
    private void scripts(String... names) throws IOException {
        Files.createDirectories(dir.resolve("scripts"));
        for (String script : names)
            Files.copy(Path.of("..", "scripts", script), dir.resolve("scripts").resolve(script));
    }

    /** The lines of run.sh's listing: "SIZE<tab>s3://BUCKET/KEY". */
    private static List<String> objects(String out) {
        return out.lines().filter(line -> line.matches("\\d+\ts3://.*")).toList();
    }

    private String runSh(Path example) throws Exception {
        Path log = dir.resolve("run.log");
        Process p = new ProcessBuilder("bash", example.resolve("run.sh").toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("run.sh ended").isTrue();
        String out = Files.readString(log);
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    /**
     * The totals hold every complete line that matches the pipeline's regex, once (the one line that does not is a bad
     * record).
     */
    private void assertTotalsMatchTheLogs(Path example, Path totals) throws Exception {
        long lines = 0;
        long amount = 0;
        for (Path log : logs(example)) {
            String text = Files.readString(log);
            // a last line without its newline is still being written: tail reads it once it is complete
            if (!text.endsWith("\n")) text = text.substring(0, text.lastIndexOf('\n') + 1);
            for (String line : text.lines().toList()) {
                Matcher m = LINE.matcher(line);
                if (m.matches()) {
                    lines++;
                    amount += Long.parseLong(m.group(1));
                }
            }
        }
        assertThat(Workspace.query("SELECT sum(lines), sum(total) FROM read_csv('" + totals + "')"))
                .containsExactly(lines + "|" + amount);
    }

    private static List<Path> logs(Path example) throws IOException {
        try (Stream<Path> files = Files.list(example.resolve("data/logs"))) {
            return files.filter(f -> f.toString().endsWith(".log")).sorted().toList();
        }
    }

    /** examples/NAME without its data, beside a {@code sluice} script that runs this build's CLI. */
    private Path copy(String name) throws IOException {
        Path to = dir.resolve("examples").resolve(name);
        copyTree(Path.of("..", "examples", name), to);
        Path sluice = dir.resolve("sluice");
        Files.writeString(
                sluice,
                "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java")
                        + "' --enable-native-access=ALL-UNNAMED -cp '" + System.getProperty("java.class.path")
                        + "' io.sluice.cli.Main \"$@\"\n");
        Files.setPosixFilePermissions(sluice, PosixFilePermissions.fromString("rwxr-xr-x"));
        return to;
    }

    /** A folder without what its runs write ({@code data/}, {@code .sluice/}). */
    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                String rel = from.relativize(p).toString();
                if (rel.startsWith("data") || rel.startsWith(".sluice")) continue;
                Path target = to.resolve(rel);
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }
}
