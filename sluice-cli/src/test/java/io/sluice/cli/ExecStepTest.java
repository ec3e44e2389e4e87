package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.kubernetes.files.FileServer;
import io.sluice.kubernetes.files.SigningKey;
import io.sluice.kubernetes.files.SplitFiles;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.planning.Planner;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.testkit.ChildJvm;
import io.sluice.testkit.Workspace;
import io.sluice.testkit.storage.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code exec} step: a real shell script run once per input file, whose files reach the files sink under the
 * commit rules (a replay replaces them, a failed attempt leaves nothing visible), in a local run and in a pool of
 * worker processes sharing one SQLite ledger.
 */
class ExecStepTest {
    /** Writes two files per input: its lines upper-cased, and its line count; fails on inputs named {@code bad*}. */
    private static final String SCRIPT = """
            #!/bin/sh
            set -e
            in="$1"; out="$2"; name=$(basename "$SLUICE_KEY")
            case "$name" in bad*) echo "starting on $name" >&2; echo "cannot rebuild $name: broken header" >&2; exit 3;; esac
            if [ -n "$FLAKY" ] && [ ! -e "$FLAKY/$name" ]; then
              touch "$FLAKY/$name"; echo half > "$out/$name.upper"; echo "flaky failure" >&2; exit 1
            fi
            mkdir -p "$out/counts"
            tr a-z A-Z < "$in" > "$out/$name.upper"
            [ -z "$SLOW" ] || sleep "$SLOW"
            wc -l < "$in" | tr -d ' ' > "$out/counts/$name.n"
            """;

    @TempDir
    Path dir;

    private Workspace ws;

    private Path pipeline(String extra) throws Exception {
        ws = Workspace.in(dir);
        Path script = dir.resolve("rebuild.sh");
        Files.writeString(script, SCRIPT);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return ws.pipeline("""
                pipeline: rebuild
                source: { files: { path: in } }
                steps:
                  - exec: { command: [./rebuild.sh, "{input}", "{output_dir}"]%s }
                sink: { files: { path: out } }
                run: { parallelism: 2, interval: 300ms, retries: { max: 2, backoff: 10ms } }
                """.formatted(extra));
    }

    private void inputs(int n) throws Exception {
        for (int i = 0; i < n; i++) ws.input("day-" + i + ".txt", "line a of " + i + "\nline b of " + i + "\n");
    }

    /** Every file under out/ a reader sees, relative, with its content. */
    private Map<String, String> output() throws Exception {
        Map<String, String> files = new TreeMap<>();
        if (!Files.exists(ws.out())) return files; // a run killed before its first commit made the folder
        try (Stream<Path> walk = Files.walk(ws.out())) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                String rel = ws.out().relativize(p).toString();
                if (!rel.startsWith("_")) files.put(rel, Files.readString(p));
            }
        }
        return files;
    }

    /** The files a reader that skips hidden names (a dot first, in any folder of the path) sees. */
    private static Map<String, String> withoutHidden(Map<String, String> output) {
        Map<String, String> out = new TreeMap<>(output);
        out.keySet().removeIf(rel -> rel.startsWith(".") || rel.contains("/."));
        return out;
    }

    /** What each input's files hold, by file name without the output folder: the same however splits are named. */
    private static Map<String, String> byName(Map<String, String> output) {
        Map<String, String> out = new TreeMap<>();
        output.forEach((rel, content) -> {
            String name = rel.substring(rel.indexOf('/') + 1);
            assertThat(out.put(name, content)).as("%s written once", name).isNull();
        });
        return out;
    }

    private static Map<String, String> expected(int n) {
        Map<String, String> out = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            out.put("day-" + i + ".txt.upper", "LINE A OF " + i + "\nLINE B OF " + i + "\n");
            out.put("counts/day-" + i + ".txt.n", "2\n");
        }
        return out;
    }

    @Test
    void aCommandPerInputFileWritesItsFilesToTheSinkOnce() throws Exception {
        Path p = pipeline("");
        inputs(5);
        CliRun r = run(p).ok();
        assertThat(r.out()).contains("5 split(s) done");
        Map<String, String> first = output();
        assertThat(byName(first)).isEqualTo(expected(5));
        // each input's files under one folder of its own, named after the input
        assertThat(first.keySet().stream()
                        .map(k -> k.substring(0, k.indexOf('/')))
                        .distinct())
                .hasSize(5)
                .allMatch(f -> f.matches("part-[0-9a-f]{16}"));
        JsonNode totals = CliRun.status(p).get("totals");
        assertThat(totals.get("rows_in").asLong()).as("inputs").isEqualTo(5);
        assertThat(totals.get("rows_out").asLong()).as("files").isEqualTo(10);

        assertThat(run(p).ok().out()).contains("0 split(s) done");
        assertThat(output()).isEqualTo(first);
        assertThat(sluice("validate", p.toString()).ok().out()).contains("the exec step's files go to the sink");
    }

    @Test
    void aReplayReplacesTheFilesAndANewVersionOfAnInputToo() throws Exception {
        Path p = pipeline("");
        inputs(3);
        run(p).ok();
        Map<String, String> first = output();
        sluice("reset", p.toString(), "--yes").ok();
        run(p).ok();
        assertThat(output()).isEqualTo(first);

        // the command now writes other names: a replay removes the files it no longer writes
        Files.writeString(dir.resolve("rebuild.sh"), SCRIPT.replace("$out/counts/$name.n", "$out/$name.lines"));
        sluice("reset", p.toString(), "--yes").ok();
        run(p).ok();
        Map<String, String> renamed = byName(output());
        assertThat(renamed).doesNotContainKey("counts/day-0.txt.n").containsEntry("day-0.txt.lines", "2\n");
        assertThat(renamed).hasSize(6);

        // a new version of an input replaces its files in place
        ws.input("day-1.txt", "only one line\n");
        run(p).ok();
        assertThat(byName(output()))
                .hasSize(6)
                .containsEntry("day-1.txt.upper", "ONLY ONE LINE\n")
                .containsEntry("day-1.txt.lines", "1\n");
    }

    @Test
    void aNonZeroExitFailsTheSplitWithTheExitCodeAndTheEndOfStandardError() throws Exception {
        Path p = pipeline("");
        inputs(2);
        ws.input("bad-7.txt", "x\n");
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        String error = CliRun.status(p).toString();
        assertThat(error)
                .contains("exited with code 3 on bad-7.txt")
                .contains("cannot rebuild bad-7.txt: broken header")
                .contains("starting on bad-7.txt")
                .contains("exec step at");
        assertThat(byName(output())).isEqualTo(expected(2));
    }

    /** On Linux a backslash is a character of a file's name, not a separator: the file keeps its name. */
    @Test
    void aBackslashInAFilesNameStaysInItsName() throws Exception {
        ws = Workspace.in(dir);
        ws.input("a.txt", "x\n");
        Path p = ws.pipeline("""
                pipeline: names
                source: { files: { path: in } }
                steps:
                  - exec: { command: [sh, -c, "printf bs > '{output_dir}/back\\\\slash.txt'"] }
                sink: { files: { path: out } }
                """);
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(byName(output())).containsExactly(java.util.Map.entry("back\\slash.txt", "bs"));
    }

    /**
     * A file the command writes beside its folder ({@code {output_dir}/../x}) fails the split, at once: committed, it
     * landed at the sink's root outside the split's folder (or in {@code _sluice/}, among the manifests), where another
     * split could write the same name. So does a link (or a file) planted by a command that writes nothing else where
     * its split's output folder goes, named as the sink names it ({@code part-} and the first 16 hex digits of the
     * SHA-256 of the input's key): committed, the link's target ({@code /etc/passwd}) was the split's output.
     */
    @Test
    void aFileWrittenBesideTheOutputFolderFailsTheSplitAndNothingIsCommitted() throws Exception {
        ws = Workspace.in(dir);
        for (String input : List.of("a.txt", "b.txt", "link.txt", "file.txt")) ws.input(input, "x\n");
        Path p = ws.pipeline("""
                pipeline: stray
                source: { files: { path: in } }
                steps:
                  - exec:
                      command:
                        - sh
                        - -c
                        - |
                          at="$SLUICE_OUTPUT_DIR/../part-$(printf %s "$SLUICE_KEY" | sha256sum | cut -c1-16)"
                          case "$SLUICE_KEY" in
                            link*) ln -s /etc/passwd "$$at";;
                            file*) echo planted > "$$at";;
                            b*) echo ok > "$SLUICE_OUTPUT_DIR/ok.txt"; echo x > "$SLUICE_OUTPUT_DIR/../stray.txt";;
                            *) echo ok > "$SLUICE_OUTPUT_DIR/ok.txt";;
                          esac
                sink: { files: { path: out } }
                run: { retries: { max: 2, backoff: 10ms } }
                """);
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(output()).as("a.txt's file only").hasSize(1).containsValue("ok\n");
        assertThat(ws.out().resolve("stray.txt")).doesNotExist();
        String status = CliRun.status(p).toString();
        assertThat(status)
                .contains("the step wrote stray.txt for split b.txt outside its output folder")
                .contains("for split link.txt outside its output folder")
                .contains("for split file.txt outside its output folder")
                .doesNotContain("\"attempts\":2");
    }

    /**
     * A file name near the 255 bytes a folder allows is committed under that name: the sink's temp file beside it,
     * named after it, made a name too long for the folder and failed every attempt.
     */
    @Test
    void aFileWithANameNearTheLongestAFolderAllowsIsCommitted() throws Exception {
        ws = Workspace.in(dir);
        ws.input("a.txt", "x\n");
        String name = "ü".repeat(100) + "-" + "n".repeat(40) + ".txt"; // 245 bytes in UTF-8
        Path p = ws.pipeline("""
                pipeline: long
                source: { files: { path: in } }
                steps:
                  - exec: { command: [sh, -c, 'echo long > "$SLUICE_OUTPUT_DIR/%s"'] }
                sink: { files: { path: out } }
                """.formatted(name));
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(byName(output())).containsExactly(Map.entry(name, "long\n"));
    }

    /** The placeholders are filled per input, and a command past its timeout is killed and fails its split. */
    @Test
    void placeholdersAreFilledAndACommandPastItsTimeoutIsKilled() throws Exception {
        ws = Workspace.in(dir);
        ws.input("a.txt", "x\n");
        ws.input("slow.txt", "y\n");
        Path p = ws.pipeline("""
                pipeline: slow
                source: { files: { path: in } }
                steps:
                  - exec:
                      command: [sh, -c, "echo {split} {key} $WHO > {output_dir}/who; case {key} in slow*) sleep 60;; esac"]
                      env: { WHO: "for {key}" }
                      timeout: 2s
                sink: { files: { path: out } }
                run: { retries: { max: 0 } }
                """);
        long start = System.nanoTime();
        CliRun r = run(p);
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start))
                .as("killed at its timeout")
                .isLessThan(40);
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(output().values()).containsExactly("a.txt a.txt for a.txt\n");
        assertThat(CliRun.status(p).toString()).contains("ran longer than its timeout (2s) on slow.txt and was killed");
    }

    /**
     * The command works in UTC, as the engine does, whatever the worker's zone (a child JVM with TZ=America/New_York
     * here): a command formatting dates writes the same on every machine, and a replay elsewhere the same file. The
     * step's env may set TZ.
     */
    @Test
    void theCommandWorksInUtcUnlessItsEnvSaysAnotherZone() throws Exception {
        assertThat(zoneOfTheCommand("")).isEqualTo("UTC 00:00\n");
        assertThat(zoneOfTheCommand(", env: { TZ: Europe/Paris }")).isEqualTo("Europe/Paris 01:00\n");
    }

    /** What the command says its zone is, and the epoch's time there, in a run by a worker in New York. */
    private String zoneOfTheCommand(String env) throws Exception {
        ws = Workspace.in(Files.createDirectories(dir.resolve("zone" + env.length())));
        ws.input("a.txt", "x\n");
        Path p = ws.pipeline("""
                pipeline: zone
                source: { files: { path: in } }
                steps:
                  - exec: { command: [sh, -c, 'echo "$$TZ $(date -d @0 +%%H:%%M)" > {output_dir}/zone']%s }
                sink: { files: { path: out } }
                """.formatted(env));
        CliRun r = CliRun.inChildJvm(ws.dir(), Map.of("TZ", "America/New_York"), List.of("run", p.toString()));
        assertThat(r.code()).as("%s", r).isZero();
        return output().values().iterator().next();
    }

    @Test
    void aFailedAttemptLeavesNothingVisibleAndItsRetryCommitsOnce() throws Exception {
        Path flaky = Files.createDirectories(dir.resolve("flaky"));
        Path p = pipeline(", env: { FLAKY: " + flaky + " }");
        inputs(3);
        CliRun r = run(p).ok();
        assertThat(r.out()).contains("3 split(s) done");
        assertThat(Files.list(flaky)).hasSize(3); // every input failed once, after writing half its output
        assertThat(byName(output())).isEqualTo(expected(3));
        // nothing of the failed attempts stays staged
        try (Stream<Path> staging = Files.walk(ws.out().resolve("_sluice/staging"))) {
            assertThat(staging.filter(Files::isRegularFile)).isEmpty();
        }
    }

    @Test
    void aCommandThatIsNotThereIsAnErrorAtTheStep() throws Exception {
        ws = Workspace.in(dir);
        Path p = ws.pipeline("""
                pipeline: missing
                source: { files: { path: in } }
                steps:
                  - exec: { command: [no-such-rebuild-tool, "{input}", "{output_dir}"] }
                sink: { files: { path: out } }
                """);
        CliRun r = sluice("validate", p.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("steps[0].exec.command").contains("command not found: no-such-rebuild-tool");
        Files.writeString(p, Files.readString(p).replace("{output_dir}", "{out}"));
        assertThat(sluice("validate", p.toString()).err()).contains("unknown placeholder {out}");
    }

    @Test
    void anImageIsValidButRunsOnlyInKubernetes() throws Exception {
        ws = Workspace.in(dir);
        ws.input("a.bin", "x");
        Path p = ws.pipeline("""
                pipeline: image
                source: { files: { path: in } }
                steps:
                  - exec: { image: "ghcr.io/acme/rebuild:1.4", command: [rebuild, "{input}", "{output_dir}"] }
                sink: { files: { path: out } }
                """);
        sluice("validate", p.toString()).ok();
        CliRun r = run(p);
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("image: runs only with run.runner: kubernetes");
        Files.writeString(p, Files.readString(p).replace("ghcr.io/acme/rebuild:1.4", "Not An Image"));
        assertThat(sluice("validate", p.toString()).err()).contains("is not an image reference");
    }

    @Test
    void execIsTheOnlyStepAndItsSinkTakesFiles() throws Exception {
        Path p = pipeline("");
        Files.writeString(p, Files.readString(p).replace("steps:\n", "steps:\n  - sql: SELECT * FROM input\n"));
        CliRun r = sluice("validate", p.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("an exec step must be the only step");
        p = pipeline("");
        Files.writeString(p, Files.readString(p).replace("path: out }", "path: out, partition_by: [region] }"));
        assertThat(sluice("validate", p.toString()).err())
                .contains("sink.files.partition_by")
                .contains("remove partition_by");
    }

    /** Any file name and size: read whole, one split per file, never cut into ranges nor skipped for its format. */
    @Test
    void inputsOfAnyKindAreHandedWhole() throws Exception {
        Path p = pipeline("");
        Files.writeString(p, Files.readString(p).replace("path: in }", "path: in, split_size: 1KB }"));
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 500; i++) big.append("row ").append(i).append('\n');
        ws.input("big.csv", big.toString());
        ws.input("image.raw", new byte[] {0, 1, 2, 3});
        run(p).ok();
        Map<String, String> out = byName(output());
        assertThat(out).containsEntry("counts/big.csv.n", "500\n").containsEntry("counts/image.raw.n", "0\n");
    }

    /**
     * Through a bucket both ways (S3Proxy, a real S3 server): one pipeline's exec writes its files to a prefix, and a
     * second one's exec gets each of them as a local copy the source downloaded.
     */
    @Test
    void filesGoToABucketAndObjectsAreHandedAsLocalCopies() throws Exception {
        S3ProxyServer s3 = S3ProxyServer.shared();
        String bucket = "exec-" + Long.toHexString(System.nanoTime());
        s3.createBucket(bucket);
        // the SDK's default chain reads these first; no other test of this JVM talks to S3
        System.setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
        String store =
                "s3: { endpoint: \"" + s3.endpoint() + "\", region: " + S3ProxyServer.REGION + ", path_style: true }";
        Path up = pipeline("");
        Files.writeString(
                up,
                Files.readString(up)
                        .replace("{ path: out }", "{ path: \"s3://" + bucket + "/rebuilt/\", " + store + " }"));
        inputs(3);
        run(up).ok();
        Path down = ws.pipeline("down.yaml", """
                pipeline: count
                source: { files: { path: "s3://%s/rebuilt/", settle: 0s, %s } }
                steps:
                  - exec: { command: [sh, -c, "cp {input} {output_dir}/copy && basename {key} > {output_dir}/name"] }
                sink: { files: { path: copies } }
                """.formatted(bucket, store));
        CliRun r = run(down).ok();
        assertThat(r.out()).contains("6 split(s) done");
        Map<String, String> copies = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir.resolve("copies"))) {
            for (Path f : walk.filter(Files::isRegularFile).toList()) {
                String rel = dir.resolve("copies").relativize(f).toString();
                if (rel.startsWith("_") || !rel.endsWith("/name")) continue;
                copies.put(Files.readString(f).strip(), Files.readString(f.resolveSibling("copy")));
            }
        }
        Map<String, String> expected = new TreeMap<>();
        expected(3).forEach((k, v) -> expected.put(k.substring(k.lastIndexOf('/') + 1), v));
        assertThat(copies).isEqualTo(expected);
    }

    /**
     * Runs killed with SIGKILL at random moments (in a command, between staging and commit, in a commit), then run to
     * the end: every input's files once, nothing of a killed attempt left visible or staged.
     */
    @Test
    void killedAtRandomMomentsTheFilesAreCommittedOnce() throws Exception {
        Path p = pipeline(", env: { SLOW: \"0.15\" }");
        Files.writeString(
                p, Files.readString(p).replace("run: {", "run: { lease: 2s,").replace("max: 2", "max: 5"));
        int n = 10;
        inputs(n);
        Path log = dir.resolve("runs.log");
        java.util.Random random = new java.util.Random(11);
        int kills = 0;
        for (int round = 0; round < 30 && kills < 8; round++) {
            Process run = ChildJvm.start(log, "io.sluice.cli.Main", "run", p.toString(), "--progress", "none");
            if (!run.waitFor(800 + random.nextInt(2500), TimeUnit.MILLISECONDS)) {
                run.destroyForcibly().waitFor();
                kills++;
            }
            // a kill inside a commit may leave its hidden temp file (.NAME.sluice-tmp-...), as readers that skip
            // hidden files (Spark, Hive, Trino) expect; the split's next commit removes it (checked at the end)
            assertThat(byName(withoutHidden(output())).entrySet())
                    .as("what a reader sees between runs: whole files of committed splits only")
                    .isSubsetOf(expected(n).entrySet());
            if (run.exitValue() == 0) {
                // a run got through between kills: check it, then start over so every kill lands on real work
                assertThat(byName(output())).isEqualTo(expected(n));
                sluice("reset", p.toString(), "--delete-output", "--yes").ok();
            }
        }
        assertThat(kills).as("SIGKILLs delivered (log: %s)", log).isGreaterThanOrEqualTo(4);
        CliRun last = run(p);
        for (int i = 0; i < 3 && last.code() != 0; i++) last = run(p); // leases of the last kill expire meanwhile
        assertThat(last.code()).as(last.toString()).isZero();
        assertThat(CliRun.status(p).get("counts").get("done").asInt()).isEqualTo(n);
        assertThat(byName(output())).isEqualTo(expected(n));
        try (Stream<Path> staging = Files.walk(ws.out().resolve("_sluice/staging"))) {
            assertThat(staging.filter(Files::isRegularFile))
                    .as("staged files left")
                    .isEmpty();
        }
    }

    /**
     * A second SIGTERM (or Ctrl-C) gives the splits in flight back and quits at once: the commands they run are
     * killed with it, not left running (and writing) beside the attempt that replays their split.
     */
    @Test
    void aSecondSigtermKillsTheCommandsInFlight() throws Exception {
        Path p = pipeline(", env: { PIDS: \"" + dir.resolve("pids") + "\" }");
        Files.writeString(
                p,
                Files.readString(p)
                        .replace(
                                "[./rebuild.sh, \"{input}\", \"{output_dir}\"]",
                                "[sh, -c, 'echo $$$$ > \"$PIDS/pid\"; exec sleep 307']"));
        Files.createDirectories(dir.resolve("pids"));
        inputs(1);
        Path log = dir.resolve("run.log");
        Process run = ChildJvm.start(log, "io.sluice.cli.Main", "run", p.toString(), "--progress", "none");
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (pids().isEmpty() && System.nanoTime() < deadline) Thread.sleep(100);
            assertThat(pids()).as("the command started (log: %s)", log).hasSize(1);

            run.destroy(); // SIGTERM: the split in flight would finish
            while (!Files.readString(log).contains("stopping") && System.nanoTime() < deadline) Thread.sleep(100);
            run.destroy(); // the second: give it back and quit now
            assertThat(run.waitFor(60, TimeUnit.SECONDS))
                    .as("quit (log: %s)", log)
                    .isTrue();
            assertThat(run.exitValue()).as("exit code (log: %s)", log).isEqualTo(3);

            long pid = pids().getFirst();
            var command = ProcessHandle.of(pid);
            if (command.isPresent()) {
                // a bound, not a pause: a killed command is gone at once (once its new parent reaps it)
                assertThat(command.get().onExit())
                        .as("the command %s killed with the run", pid)
                        .succeedsWithin(Duration.ofSeconds(20));
            }
        } finally {
            run.destroyForcibly();
            for (long pid : pids()) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private List<Long> pids() throws Exception {
        try (Stream<Path> files = Files.list(dir.resolve("pids"))) {
            List<Long> out = new ArrayList<>();
            for (Path f : files.toList()) {
                String pid = Files.readString(f).strip();
                if (!pid.isEmpty()) out.add(Long.parseLong(pid));
            }
            return out;
        }
    }

    /**
     * The Jobs mode with inputs on a volume only the controller mounts: the controller plans and serves each split's
     * files; a "pod" (this test, in another folder) fetches them with {@code sluice fetch}, which keeps their size and
     * modification time, and runs {@code sluice run --split} over the copies: the split reads them as the version it
     * was planned with, and commits its files.
     */
    @Test
    void aPodRunsItsSplitOverFilesFetchedFromTheControllersFileServer() throws Exception {
        Path controller = pipeline("");
        inputs(2);
        Path pod = ws.pipeline("pod.yaml", Files.readString(controller).replace("path: in }", "path: pod-in }"));
        PipelineLoader loader = PipelineLoader.withSystemEnv();
        Pipeline p = loader.load(controller);
        try (Assembly a = Assembly.of(p, loader.components(), Clock.systemUTC())) {
            List<Split> splits = new Planner(a.source(), a.ledger()).plan().splits();
            assertThat(splits).hasSize(2);
            try (FileServer server = FileServer.start(
                    FileServer.Settings.of(ws.in(), SigningKey.generate()), SplitFiles.of(a.ledger()))) {
                for (Split split : splits) {
                    List<String> files =
                            split.members().stream().map(Member::key).toList();
                    List<String> fetch = new ArrayList<>(
                            List.of("fetch", "--to", dir.resolve("pod-in").toString()));
                    server.urlsFor(split.id(), files, Duration.ofMinutes(5)).forEach(u -> fetch.add(u.toString()));
                    sluice(fetch.toArray(String[]::new)).ok();
                    CliRun r = run(pod, "--split", split.id()).ok();
                    assertThat(r.all()).doesNotContain("left out");
                }
            }
        }
        assertThat(byName(output())).isEqualTo(expected(2));
        assertThat(CliRun.status(controller).get("counts").get("done").asInt()).isEqualTo(2);
    }

    /** Two worker processes on one SQLite ledger: every input's files once. */
    @Test
    void aPoolOfWorkersRunsEachInputOnce() throws Exception {
        Path p = pipeline("");
        int n = 12;
        inputs(n);
        List<Process> workers = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        try {
            for (int w = 0; w < 2; w++) {
                Path log = dir.resolve("worker-" + w + ".log");
                logs.add(log);
                workers.add(ChildJvm.start(log, "io.sluice.cli.Main", "worker", p.toString(), "--progress", "log"));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (System.nanoTime() < deadline && CliRun.doneSoFar(p) < n) {
                Thread.sleep(300);
            }
        } finally {
            for (Process w : workers) w.destroy();
            for (Process w : workers) w.waitFor(60, TimeUnit.SECONDS);
        }
        StringBuilder said = new StringBuilder();
        for (Path log : logs) said.append(Files.readString(log));
        assertThat(byName(output())).as(said.toString()).isEqualTo(expected(n));
        for (Process w : workers) assertThat(w.exitValue()).as(said.toString()).isZero();
    }
}
