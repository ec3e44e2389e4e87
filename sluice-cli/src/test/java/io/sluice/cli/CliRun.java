package io.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the {@code sluice} command in this JVM and keeps what it printed, for the CLI tests. */
record CliRun(int code, String out, String err) {

    static CliRun sluice(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code;
        try (PrintWriter o = new PrintWriter(out, true);
                PrintWriter e = new PrintWriter(err, true)) {
            code = Main.execute(o, e, args);
        }
        return new CliRun(code, out.toString(), err.toString());
    }

    /** {@code sluice run} without a progress display (failures are still printed, to {@link #err}). */
    static CliRun run(Path pipeline, String... more) {
        List<String> args = new ArrayList<>(List.of("run", pipeline.toString(), "--progress", "none"));
        args.addAll(List.of(more));
        return sluice(args.toArray(String[]::new));
    }

    /**
     * Runs {@code sluice} in a child JVM started in {@code dir}, with these environment variables added to this one's
     * and SLUICE_DEBUG (stack traces): for what a process reads once, at its start (a secret, the time zone).
     */
    static CliRun inChildJvm(Path dir, Map<String, String> env, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                "io.sluice.cli.Main"));
        cmd.addAll(args);
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().putAll(env);
        pb.environment().put("SLUICE_DEBUG", "1");
        Process process = pb.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("sluice " + args + " did not end in 120s");
        }
        return new CliRun(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** {@code sluice status --all --json}, parsed. */
    static JsonNode status(Path pipeline) throws Exception {
        CliRun r = sluice("status", pipeline.toString(), "--all", "--json", "--limit", "100000");
        if (r.code() != 0) throw new AssertionError("status failed: " + r);
        return new ObjectMapper().readTree(r.out());
    }

    /** The splits in {@code state} ({@code done}, {@code dead}, ...), as {@link #status} shows them. */
    static List<JsonNode> splits(Path pipeline, String state) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode s : status(pipeline).get("splits"))
            if (s.get("state").asText().equals(state)) out.add(s);
        return out;
    }

    /** The splits done so far, 0 while no process has made the ledger yet (status then says "was never run"). */
    static int doneSoFar(Path pipeline) throws Exception {
        CliRun r = sluice("status", pipeline.toString(), "--json");
        if (r.code() == 2 && r.err().contains("was never run")) return 0;
        if (r.code() != 0) throw new AssertionError("status failed: " + r);
        return new ObjectMapper().readTree(r.out()).get("counts").get("done").asInt();
    }

    /** Asserts exit 0, showing the output when not; returns this for further checks. */
    CliRun ok() {
        org.assertj.core.api.Assertions.assertThat(code).as(toString()).isZero();
        return this;
    }

    String all() {
        return out + err;
    }

    @Override
    public String toString() {
        return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
    }

    /** Equal multisets; on a difference, says how many rows are missing and extra, with a few of each. */
    static void assertSameRows(List<String> actual, List<String> expected) {
        java.util.Map<String, Integer> diff = new java.util.TreeMap<>();
        expected.forEach(r -> diff.merge(r, 1, Integer::sum));
        actual.forEach(r -> diff.merge(r, -1, Integer::sum));
        diff.values().removeIf(n -> n == 0);
        List<String> missing = diff.entrySet().stream()
                .filter(e -> e.getValue() > 0)
                .map(e -> e.getValue() + "x " + e.getKey())
                .toList();
        List<String> extra = diff.entrySet().stream()
                .filter(e -> e.getValue() < 0)
                .map(e -> -e.getValue() + "x " + e.getKey())
                .toList();
        org.assertj.core.api.Assertions.assertThat(diff)
                .as(
                        "%d rows out, %d expected; %d missing, e.g. %s; %d extra, e.g. %s",
                        actual.size(),
                        expected.size(),
                        missing.size(),
                        missing.stream().limit(5).toList(),
                        extra.size(),
                        extra.stream().limit(5).toList())
                .isEmpty();
    }
}
