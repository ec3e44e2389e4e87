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
        assertTotalsMatchTheLogs(example);
        assertThat(first).contains("1 bad record(s)");
    }

    private String runSh(Path example) throws Exception {
        Path log = dir.resolve("run.log");
        Process p = new ProcessBuilder("bash", example.resolve("run.sh").toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("run.sh ended").isTrue();
        String out = Files.readString(log);
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    /** The totals hold every line that matches the pipeline's regex, once (the one line that does not is a bad record). */
    private void assertTotalsMatchTheLogs(Path example) throws Exception {
        long lines = 0;
        long amount = 0;
        for (Path log : logs(example)) {
            String text = Files.readString(log);
            for (String line : text.lines().toList()) {
                Matcher m = LINE.matcher(line);
                if (m.matches()) {
                    lines++;
                    amount += Long.parseLong(m.group(1));
                }
            }
        }
        Path totals = example.resolve("data/out/usage/totals.csv");
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
        Path from = Path.of("..", "examples", name);
        Path to = dir.resolve("examples").resolve(name);
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                String rel = from.relativize(p).toString();
                if (rel.startsWith("data") || rel.startsWith(".sluice")) continue;
                Path target = to.resolve(rel);
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        Path sluice = dir.resolve("sluice");
        Files.writeString(sluice, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java")
                + "' --enable-native-access=ALL-UNNAMED -cp '" + System.getProperty("java.class.path") + "' io.sluice.cli.Main \"$@\"\n");
        Files.setPosixFilePermissions(sluice, PosixFilePermissions.fromString("rwxr-xr-x"));
        return to;
    }
}
