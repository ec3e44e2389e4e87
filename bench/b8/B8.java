import io.sluice.ledger.postgres.PostgresConfig;
import io.sluice.ledger.postgres.PostgresLedger;
import io.sluice.pool.Dist;
import io.sluice.pool.TestKubelet;
import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.Ledger;
import io.sluice.spi.SplitState;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * B8: the Kubernetes Jobs runner's controller against a pool of workers, on the same splits arriving at a steady rate.
 *
 * <p>jobs: {@code sluice run} with {@code run.runner: kubernetes} ({@code bin/sluice} of the release archive, its own
 * process) in watch mode, on fabric8's mock API server with the test kubelet of sluice-pool-it. A writer adds RATE
 * small CSV files per second (one split each) until SPLITS. Pods are, by default, stand-ins in the kubelet's JVM that
 * do to the ledger what a pod does (claim the named split, check the fence, complete it) and no data work;
 * {@code B8_PODS=process} runs each pod as {@code bin/sluice run PIPELINE --split ID} instead. Measured: the API
 * requests of every client but the kubelet (the controller's), by kind; the controller's CPU time (/proc/PID/stat);
 * the time from each split's registration in the ledger ({@code splits.created}) to the kubelet seeing its Job.
 *
 * <p>pool: the same files at the same rate through 4 {@code bin/sluice worker} processes on the same ledger.
 *
 * <p>Ledger: PostgreSQL (zonky, default settings: fsync on) on a random loopback port; its CPU time (postmaster and
 * backends) is reported as the ledger's share.
 */
public class B8 {
    static final long TICKS = 100; // USER_HZ on Linux
    /** Wall time of the stand-in pods' ledger calls. */
    static final java.util.concurrent.atomic.AtomicLong STAND_IN_NANOS = new java.util.concurrent.atomic.AtomicLong();

    public static void main(String[] args) throws Exception {
        int splits = Integer.parseInt(env("B8_SPLITS", "2000"));
        int rate = Integer.parseInt(env("B8_RATE", "50"));
        int maxActive = Integer.parseInt(env("B8_MAX_ACTIVE", "50"));
        int workers = Integer.parseInt(env("B8_WORKERS", "4"));
        String interval = env("B8_INTERVAL", "1s");
        String pods = env("B8_PODS", "standin");
        Path dir = Path.of(env("BENCH_DIR", "/tmp/sluice-bench")).resolve("b8");
        List<String> runs = args.length > 0 ? List.of(args) : List.of("jobs", "pool");
        Files.createDirectories(dir);
        Path data = dir.resolve("pg");
        deleteTree(data);
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder() // a free port of its choosing
                .setDataDirectory(data)
                .setServerConfig("max_connections", "300")
                .start()) {
            String url = "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres";
            Run r = new Run(dir, url, data, splits, rate, interval);
            for (String run : runs) {
                switch (run) {
                    case "jobs" -> r.jobs(maxActive, pods);
                    case "pool" -> r.pool(workers);
                    default -> throw new IllegalArgumentException("unknown run " + run + ": jobs or pool");
                }
            }
        }
        System.exit(0);
    }

    record Run(Path dir, String url, Path pgData, int splits, int rate, String interval) {
        Ledger open(String pipeline) {
            return PostgresLedger.open(PostgresConfig.of(url, "postgres", null, "sluice"), pipeline, Clock.systemUTC());
        }

        /** A workspace with an empty input folder and the pipeline file: the runner block is {@code run}'s tail. */
        Path workspace(String pipeline, String runTail) throws IOException {
            Path ws = dir.resolve(pipeline);
            deleteTree(ws);
            Files.createDirectories(ws.resolve("in"));
            Path yaml = ws.resolve("pipeline.yaml");
            Files.writeString(yaml, """
                    pipeline: %s
                    source:
                      files: { path: in, include: "**/*.csv", pack: { max_files: 1 } }
                    sink:
                      files: { path: out, format: csv }
                    state: { postgres: { url: "%s", user: postgres } }
                    run:
                      mode: watch
                      interval: %s
                      lease: 30s
                      parallelism: 1
                      engine: { threads: 1 }
                    %s""".formatted(pipeline, url, interval, runTail.indent(2)));
            try (Ledger l = open(pipeline)) {
                l.reset();
            }
            return yaml;
        }

        void jobs(int maxActive, String podMode) throws Exception {
            String pipeline = "b8-jobs";
            Path yaml = workspace(pipeline, """
                    runner: kubernetes
                    kubernetes:
                      image: sluice:b8
                      namespace: %s
                      max_active: %d
                    """.formatted(TestKubelet.NAMESPACE, maxActive));
            Path ws = yaml.getParent();
            TestKubelet kubelet = new TestKubelet(ws.resolve("pods"));
            try (Ledger podLedger = open(pipeline)) {
                if (podMode.equals("standin")) kubelet.standIn((split, pod) -> standIn(podLedger, split, pod));
                else if (!podMode.equals("process"))
                    throw new IllegalArgumentException("B8_PODS=" + podMode + ": standin or process");
                Map<String, String> env = new HashMap<>(kubelet.clientEnv());
                Process controller = sluice(ws.resolve("controller.log"), env, "run", yaml.toString(), "--progress",
                        "log");
                awaitLog(controller, ws.resolve("controller.log"), "leading", 120);
                long[] cpu0 = cpu(controller.pid());
                long pg0 = postgresCpu();
                long self0 = selfCpu();
                long child0 = childCpu();
                long start = System.nanoTime();
                Thread writer = writer(ws.resolve("in"));
                double wall = awaitDone(pipeline, List.of(controller), start);
                writer.join();
                // the controller deletes finished Jobs: its last deletes belong to the run
                long until = System.nanoTime() + 60_000_000_000L;
                while (!kubelet.client().batch().v1().jobs().inNamespace(TestKubelet.NAMESPACE)
                        .withLabel("sluice.io/pipeline").list().getItems().isEmpty() && System.nanoTime() < until) {
                    Thread.sleep(200);
                }
                long[] cpu1 = cpu(controller.pid());
                long pg1 = postgresCpu();
                long self1 = selfCpu();
                long child1 = childCpu();
                Map<String, Long> requests = kubelet.requestsByKind();
                controller.destroy();
                controller.waitFor();

                Map<String, long[]> reg = registered(pipeline);
                Map<String, Long> jobSeen = new HashMap<>();
                for (TestKubelet.Created c : kubelet.created()) jobSeen.putIfAbsent(c.split(), c.at().toEpochMilli());
                List<Long> seen = new ArrayList<>();
                for (var e : jobSeen.entrySet()) {
                    long[] t = reg.get(e.getKey());
                    if (t != null) seen.add(e.getValue() - t[0]);
                }
                List<Long> create = new ArrayList<>();
                for (var e : kubelet.jobPosted().entrySet()) {
                    long[] t = reg.get(e.getKey());
                    if (t != null) create.add(e.getValue().toEpochMilli() - t[0]);
                }
                long jobs = kubelet.created().size();
                long total = requests.values().stream().mapToLong(Long::longValue).sum();
                long watches = requests.entrySet().stream().filter(e -> e.getKey().startsWith("watch "))
                        .mapToLong(Map.Entry::getValue).sum();
                double ctlMs = (cpu1[0] - cpu0[0]) * 1000.0 / TICKS;
                double ctlAllMs = cpu1[0] * 1000.0 / TICKS;
                System.out.printf(Locale.ROOT, "B8 jobs pods=%s splits=%d rate=%d/s max_active=%d jobs_created=%d "
                                + "api_requests_per_split=%.2f controller_cpu_ms_per_split=%.2f "
                                + "create_latency_p50_ms=%d p99_ms=%d max_ms=%d seen_by_kubelet_p50_ms=%d p99_ms=%d "
                                + "done_latency_p50_ms=%d p99_ms=%d wall_s=%.1f max_unfinished=%d "
                                + "ledger_cpu_ms_per_split=%.2f%n",
                        podMode, splits, rate, maxActive, jobs, total / (double) splits, ctlMs / splits,
                        pct(create, 50), pct(create, 99), pct(create, 100), pct(seen, 50), pct(seen, 99),
                        pct(doneLatency(reg), 50),
                        pct(doneLatency(reg), 99), wall, kubelet.maxUnfinished(),
                        (pg1 - pg0) * 1000.0 / TICKS / splits);
                System.out.printf(Locale.ROOT, "B8 jobs requests: %s (total %d, %d of them watches opened; watch "
                        + "events not counted)%n", requests.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                        .collect(Collectors.joining(", ")), total, watches);
                System.out.printf(Locale.ROOT, "B8 jobs cpu: controller %.1f s from the writer's start to the end "
                                + "(%.1f s with its JVM start), user %.1f s sys %.1f s; PostgreSQL %.1f s; this JVM "
                                + "(mock API server, kubelet, stand-in pods, writer) %.1f s, pod processes %.1f s%n",
                        ctlMs / 1000, ctlAllMs / 1000, (cpu1[1] - cpu0[1]) / (double) TICKS,
                        (cpu1[2] - cpu0[2]) / (double) TICKS, (pg1 - pg0) / (double) TICKS,
                        (self1 - self0) / (double) TICKS, (child1 - child0) / (double) TICKS);
                if (podMode.equals("standin"))
                    System.out.printf(Locale.ROOT, "B8 jobs stand-in pods: %.2f ms of ledger calls per split (claim, "
                            + "fence check, complete)%n", STAND_IN_NANOS.get() / 1e6 / splits);
                check(pipeline);
            } finally {
                // the mock API server's close can block for minutes on a watch it is still writing to (seen once
                // on a loaded machine): the results are out, so it gets 10 s
                Thread closing = Thread.ofPlatform().daemon().start(kubelet::close);
                closing.join(10_000);
            }
        }

        /** What a pod does to the ledger: claim its split by name (a new fencing token), check the fence, complete. */
        static int standIn(Ledger ledger, String split, String pod) throws Exception {
            long t0 = System.nanoTime();
            try {
                return standInCalls(ledger, split, pod);
            } finally {
                STAND_IN_NANOS.addAndGet(System.nanoTime() - t0);
            }
        }

        static int standInCalls(Ledger ledger, String split, String pod) throws Exception {
            Optional<Claim> c = ledger.claim(split, pod, Duration.ofSeconds(30));
            if (c.isEmpty()) return 4; // SplitExecution.NOT_CLAIMABLE
            if (!ledger.isCurrent(c.get())) return 4;
            ledger.complete(c.get(), new Completion(5, 5, 0, List.of("part-" + split + ".csv"), "b8"));
            return 0;
        }

        void pool(int workers) throws Exception {
            String pipeline = "b8-pool";
            Path yaml = workspace(pipeline, "");
            Path ws = yaml.getParent();
            List<Process> procs = new ArrayList<>();
            long pg0 = postgresCpu();
            long start = System.nanoTime();
            for (int w = 0; w < workers; w++) {
                procs.add(sluice(ws.resolve("worker-" + w + ".log"), Map.of(), "worker", yaml.toString(), "--id",
                        "w" + w, "--progress", "none"));
            }
            Thread writer = writer(ws.resolve("in"));
            double wall = awaitDone(pipeline, procs, start);
            writer.join();
            long cpu = 0;
            for (Process p : procs) cpu += cpu(p.pid())[0];
            long pg1 = postgresCpu();
            procs.forEach(Process::destroy);
            for (Process p : procs) p.waitFor();
            Map<String, long[]> reg = registered(pipeline);
            System.out.printf(Locale.ROOT, "B8 pool workers=%d splits=%d rate=%d/s cpu_ms_per_split=%.2f "
                            + "done_latency_p50_ms=%d p99_ms=%d wall_s=%.1f ledger_cpu_ms_per_split=%.2f "
                            + "(workers' CPU with their JVM start: %.1f s)%n",
                    workers, splits, rate, cpu * 1000.0 / TICKS / splits, pct(doneLatency(reg), 50),
                    pct(doneLatency(reg), 99), wall, (pg1 - pg0) * 1000.0 / TICKS / splits, cpu / (double) TICKS);
            check(pipeline);
        }

        /** Writes SPLITS files of 5 rows at RATE per second, each dated a minute back (settled when it appears). */
        Thread writer(Path in) {
            return Thread.ofPlatform().start(() -> {
                try {
                    long t0 = System.nanoTime();
                    for (int f = 0; f < splits; f++) {
                        long due = t0 + f * 1_000_000_000L / rate;
                        long wait = due - System.nanoTime();
                        if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        Path p = in.resolve("d" + f % 100).resolve("f" + f + ".csv");
                        Files.createDirectories(p.getParent());
                        StringBuilder csv = new StringBuilder("id,v\n");
                        for (int r = 0; r < 5; r++) csv.append(f * 5 + r).append(',').append(r).append('\n');
                        Path tmp = p.resolveSibling("." + p.getFileName() + ".tmp"); // hidden: not matched
                        Files.writeString(tmp, csv);
                        Files.setLastModifiedTime(tmp, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
                        Files.move(tmp, p);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }

        /** Seconds from {@code start} until the ledger has every split done; fails when a process exits first. */
        double awaitDone(String pipeline, List<Process> procs, long start) throws Exception {
            try (Ledger l = open(pipeline)) {
                long deadline = System.nanoTime() + Duration.ofMinutes(60).toNanos();
                while (l.counts().getOrDefault(SplitState.DONE, 0L) < splits) {
                    for (Process p : procs) if (!p.isAlive()) throw new IllegalStateException("a process exited; see " + dir);
                    if (System.nanoTime() > deadline) throw new IllegalStateException("not done in 60 minutes");
                    Thread.sleep(100);
                }
            }
            return (System.nanoTime() - start) / 1e9;
        }

        /** Each split's registration and last change (its completion, once done), epoch millis. */
        Map<String, long[]> registered(String pipeline) throws Exception {
            Map<String, long[]> out = new HashMap<>();
            try (Connection c = DriverManager.getConnection(url, "postgres", null);
                    PreparedStatement s =
                            c.prepareStatement("SELECT id, created, updated FROM sluice.splits WHERE pipeline = ?")) {
                s.setString(1, pipeline);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) out.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)});
                }
            }
            return out;
        }

        /** Every split done once: SPLITS splits, all done, each claimed once. */
        void check(String pipeline) {
            try (Ledger l = open(pipeline)) {
                var all = l.splits(java.util.EnumSet.allOf(SplitState.class), Integer.MAX_VALUE);
                long done = all.stream().filter(s -> s.state() == SplitState.DONE).count();
                long retaken = all.stream().filter(s -> s.attempts() > 1).count();
                if (all.size() != splits || done != splits)
                    throw new IllegalStateException(pipeline + " WRONG: " + all.size() + " splits, " + done + " done");
                if (retaken > 0) System.out.println("B8 " + pipeline + ": " + retaken + " splits claimed more than once");
            }
        }

        /** CPU ticks of PostgreSQL: the postmaster (its reaped children included) and its live backends. */
        long postgresCpu() throws IOException {
            String dataDir = pgData.toString();
            long total = 0;
            Long postmaster = null;
            for (Path proc : listProcs()) {
                String cmd = read(proc.resolve("cmdline")).replace('\0', ' ');
                if (cmd.contains(dataDir) && cmd.contains("postgres")) {
                    postmaster = Long.parseLong(proc.getFileName().toString());
                }
            }
            if (postmaster == null) return 0;
            for (Path proc : listProcs()) {
                long[] st = stat(proc);
                if (st == null) continue;
                long pid = Long.parseLong(proc.getFileName().toString());
                if (pid == postmaster) total += st[0] + st[3];
                else if (st[4] == postmaster) total += st[0];
            }
            return total;
        }
    }

    static Process sluice(Path log, Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Dist.home().resolve("bin/sluice").toString());
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("SLUICE_JAVA_OPTS", "-Xmx512m");
        return pb.start();
    }

    static void awaitLog(Process p, Path log, String text, int seconds) throws Exception {
        long until = System.nanoTime() + seconds * 1_000_000_000L;
        while (!(Files.exists(log) && Files.readString(log).contains(text))) {
            if (!p.isAlive() || System.nanoTime() > until)
                throw new IllegalStateException("no '" + text + "' from the process; see " + log);
            Thread.sleep(100);
        }
    }

    static long pct(List<Long> values, int p) {
        if (values.isEmpty()) return -1;
        List<Long> sorted = values.stream().sorted().toList();
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    static List<Long> doneLatency(Map<String, long[]> reg) {
        return reg.values().stream().map(t -> t[1] - t[0]).toList();
    }

    /** {total = utime + stime, utime, stime} of a process, in ticks. */
    static long[] cpu(long pid) throws IOException {
        long[] st = stat(Path.of("/proc", Long.toString(pid)));
        if (st == null) throw new IllegalStateException("no process " + pid);
        return new long[] {st[0], st[1], st[2]};
    }

    static long selfCpu() throws IOException {
        return stat(Path.of("/proc/self"))[0];
    }

    /** Reaped children of this JVM (the pod processes): cutime + cstime. */
    static long childCpu() throws IOException {
        return stat(Path.of("/proc/self"))[3];
    }

    /** {utime + stime, utime, stime, cutime + cstime, ppid} from /proc/PID/stat, or null when it is gone. */
    static long[] stat(Path proc) {
        try {
            String s = Files.readString(proc.resolve("stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            // after the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
            long ut = Long.parseLong(f[11]);
            long st = Long.parseLong(f[12]);
            return new long[] {ut + st, ut, st, Long.parseLong(f[13]) + Long.parseLong(f[14]), Long.parseLong(f[1])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static List<Path> listProcs() throws IOException {
        try (var s = Files.list(Path.of("/proc"))) {
            return s.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList();
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) org.apache.commons.io.file.PathUtils.deleteDirectory(dir);
    }
}
