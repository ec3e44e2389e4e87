package io.sluice.runner;

import static io.sluice.runner.Proxies.call;
import static io.sluice.runner.Proxies.proxy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.ConfigException;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.spi.Ledger;
import io.sluice.spi.source.Source;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalRunnerTest {
    @TempDir
    Path dir;

    /**
     * A run waiting for its own split's retry, and then claiming it, never says that other processes hold it: the
     * split is claimed in the ledger a moment before the run counts it in flight.
     */
    @Test
    void aRunWaitingOnItsOwnRetryDoesNotSayOtherProcessesHoldTheSplit() throws Exception {
        Pipeline p = castingToInteger("x", "{ max: 1, backoff: 1s }");
        List<String> said = Collections.synchronizedList(new ArrayList<>());
        RunListener listener = new RunListener() {
            @Override
            public void info(String message) {
                said.add(message);
            }
        };
        RunSummary summary;
        try (Assembly real = Assembly.of(p, PipelineLoader.withSystemEnv().components(), Clock.systemUTC())) {
            Assembly slow = new Assembly(
                    p, real.source(), real.steps(), real.sink(), slowClaims(real.ledger()), real.ledgerName());
            summary = new LocalRunner(slow, Clock.systemUTC(), OwnerId.forThisProcess(), listener).run();
        }
        assertThat(summary.died()).as("the split failed twice, then died").isEqualTo(1);
        assertThat(said).noneMatch(m -> m.contains("claimed by other"));
    }

    /**
     * A run killed during a commit leaves its output's lock held in the ledger for the lease (an hour here): the next
     * run's commit releases it at once, without a failed attempt, instead of waiting for it.
     */
    @Test
    void aCommitTakesTheOutputLockOfAKilledRunAtOnce() throws Exception {
        Pipeline p = oneFileToCsv("killed-commit", "{ parallelism: 1, lease: 1h, retries: { max: 0 } }");
        Process killed = new ProcessBuilder("sleep", "600").start();
        String killedId = OwnerId.of(killed.pid()).orElseThrow().toString();
        killed.destroyForcibly().waitFor();
        List<String> planted = Collections.synchronizedList(new ArrayList<>());
        RunSummary summary;
        try (Assembly real = Assembly.of(p, PipelineLoader.withSystemEnv().components(), Clock.systemUTC())) {
            Ledger ledger = real.ledger();
            // before the run's first lock of a name, the killed run's grant of it, as its commit left it
            Ledger withKilledHolder = proxy(Ledger.class, (proxy, m, args) -> {
                if (m.getName().equals("lock") && !planted.contains((String) args[0])) {
                    planted.add((String) args[0]);
                    assertThat(ledger.lock((String) args[0], killedId + "/grant", Duration.ofHours(1)))
                            .isPresent();
                }
                return call(ledger, m, args);
            });
            Assembly a = new Assembly(p, real.source(), real.steps(), real.sink(), withKilledHolder, real.ledgerName());
            long start = System.nanoTime();
            summary = new LocalRunner(a, Clock.systemUTC(), OwnerId.forThisProcess(), new RunListener() {}).run();
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .as("not the minute a held lock is waited for")
                    .isLessThan(LedgerLocks.WAIT);
        }
        assertThat(planted).as("the commit took an output lock").isNotEmpty();
        assertThat(summary.died()).isZero();
        assertThat(summary.attemptsFailed()).isZero();
        assertThat(summary.splitsDone()).isEqualTo(1);
    }

    /**
     * Merges of a pool's workers (or pods) run one at a time: a merge waits while another worker holds the merge lock
     * in the ledger, and lists the done splits only once it holds the lock itself, so the last merge to commit counts
     * every split done before it began.
     */
    @Test
    void aMergeWaitsForAnotherWorkersMergeAndListsTheDoneSplitsUnderTheLock() throws Exception {
        input("a.csv", "region,amount\neu,1\nus,2\neu,3\n");
        Pipeline p = load("""
                pipeline: merging
                source: { files: { path: in } }
                steps:
                  - aggregate: { group_by: [region], measures: { total: sum(amount) } }
                sink: { files: { path: out, format: csv } }
                run: { parallelism: 1 }
                """);
        String self = OwnerId.forThisProcess();
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        RunSummary summary;
        try (Assembly real = Assembly.of(p, PipelineLoader.withSystemEnv().components(), Clock.systemUTC())) {
            Ledger ledger = real.ledger();
            java.util.concurrent.atomic.AtomicBoolean planted = new java.util.concurrent.atomic.AtomicBoolean();
            Ledger watched = proxy(Ledger.class, (proxy, m, args) -> {
                // as the run's merge begins, another worker's merge (alive: not a process of this machine
                // that is gone) holds the lock; its lease runs 2 s
                if (args != null && Merger.LOCK.equals(args[0]) && planted.compareAndSet(false, true)) {
                    assertThat(ledger.lock(Merger.LOCK, "other-worker/merge", Duration.ofSeconds(2)))
                            .isPresent();
                }
                Object result = call(ledger, m, args);
                if (m.getName().equals("lock") && Merger.LOCK.equals(args[0])) {
                    events.add(((Optional<?>) result).isPresent() ? "granted" : "refused");
                } else if (m.getName().equals("splits")
                        && ((java.util.Set<?>) args[0]).contains(io.sluice.spi.SplitState.DONE)) {
                    events.add(
                            ledger.holder(Merger.LOCK)
                                            .map(l -> l.owner().startsWith(self + "/"))
                                            .orElse(false)
                                    ? "listed under the lock"
                                    : "listed without the lock");
                }
                return result;
            });
            Assembly a = new Assembly(p, real.source(), real.steps(), real.sink(), watched, real.ledgerName());
            summary = new LocalRunner(a, Clock.systemUTC(), self, new RunListener() {}).run();
        }
        assertThat(summary.splitsDone()).isEqualTo(1);
        assertThat(events).as("waited for the other merge").startsWith("refused");
        assertThat(events).contains("granted", "listed under the lock").doesNotContain("listed without the lock");
        assertThat(events.indexOf("granted")).isLessThan(events.indexOf("listed under the lock"));
        assertThat(Files.readAllLines(dir.resolve("out/totals.csv")).stream().sorted())
                .containsExactly("eu,4", "region,total", "us,2");
    }

    /**
     * A step's SQL reads a file by a relative path (a lookup table joined to the records) from the pipeline file's
     * folder, as every other path of the pipeline, not from the folder the run was started in: both its check on the
     * sample and the split's read find it (the tests run in the module's folder, the pipeline is elsewhere).
     */
    @Test
    void aStepReadsARelativePathFromThePipelineFilesFolder() throws Exception {
        input("a.csv", "id,region\n1,eu\n2,us\n");
        Files.writeString(dir.resolve("regions.csv"), "region,name\neu,Europe\nus,America\n");
        assertThat(Path.of("").toAbsolutePath()).isNotEqualTo(dir);
        Pipeline p = load("""
                pipeline: lookup
                source: { files: { path: in } }
                steps:
                  - sql: SELECT id, name FROM input JOIN read_csv('regions.csv') USING (region) ORDER BY id
                sink: { files: { path: out, format: csv } }
                run: { parallelism: 1 }
                """);
        RunSummary summary;
        try (Assembly a = Assembly.of(p, PipelineLoader.withSystemEnv().components(), Clock.systemUTC())) {
            assertThat(io.sluice.engine.StepCheck.standalone(a).columns()).containsExactly("id", "name");
            summary = new LocalRunner(a, Clock.systemUTC(), OwnerId.forThisProcess(), new RunListener() {}).run();
        }
        assertThat(summary.splitsDone()).isEqualTo(1);
        try (var parts = Files.list(dir.resolve("out"))) {
            Path part =
                    parts.filter(f -> f.toString().endsWith(".csv")).findFirst().orElseThrow();
            assertThat(Files.readAllLines(part)).containsExactly("id,name", "1,Europe", "2,America");
        }
    }

    /**
     * DuckDB's {@code file_search_path} is a comma-separated list: a pipeline in a folder named with a comma
     * ({@code reports, 2024}) had its folder split in two and a step's relative path not found.
     */
    @Test
    void aStepReadsARelativePathFromAPipelineFolderWithACommaInItsName() throws Exception {
        dir = Files.createDirectories(dir.resolve("reports, 2024"));
        aStepReadsARelativePathFromThePipelineFilesFolder();
    }

    /**
     * DuckDB reads a relative path from the folder the run started in when a file of that name is there, and searches
     * the pipeline file's folder only for a path missing there: a lookup file of the same name in both would be read
     * from the wrong one, silently. The check refuses it, naming both, before any split runs.
     */
    @Test
    void aStepsRelativePathInTheWorkingFolderAndThePipelinesIsRefused() throws Exception {
        String name = "lookup-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".csv";
        Path here = Path.of(name);
        assertThat(here.toAbsolutePath().getParent()).isNotEqualTo(dir);
        input("a.csv", "id,region\n1,eu\n");
        Files.writeString(dir.resolve(name), "region,name\neu,Europe\n");
        Files.writeString(here, "region,name\neu,Elsewhere\n");
        try {
            Pipeline p = load("""
                    pipeline: lookup
                    source: { files: { path: in } }
                    steps:
                      - sql: SELECT id, name FROM input JOIN read_csv('%s') USING (region)
                    sink: { files: { path: out, format: csv } }
                    run: { parallelism: 1 }
                    """.formatted(name));
            try (Assembly a = Assembly.of(p, PipelineLoader.withSystemEnv().components(), Clock.systemUTC())) {
                assertThatThrownBy(() -> io.sluice.engine.StepCheck.standalone(a))
                        .isInstanceOf(ConfigException.class)
                        .hasMessageContaining(here.toAbsolutePath().toString())
                        .hasMessageContaining(dir.resolve(name).toString());
                assertThatThrownBy(() -> new LocalRunner(
                                        a, Clock.systemUTC(), OwnerId.forThisProcess(), new RunListener() {})
                                .run())
                        .isInstanceOf(ConfigException.class);
            }
            if (Files.exists(dir.resolve("out"))) {
                try (var written = Files.walk(dir.resolve("out"))) {
                    assertThat(written.filter(f -> f.toString().endsWith(".csv")))
                            .isEmpty();
                }
            }
        } finally {
            Files.deleteIfExists(here);
        }
    }

    /**
     * A pool member that waited out a ledger outage between its claim and the split's processing checks its claim
     * before processing: the lease may have run out meanwhile and another worker taken the split over (as in
     * LedgerRestartTest). The stale attempt stages nothing, instead of doing the work for a commit the fence refuses.
     */
    @Test
    void aClaimTakenOverDuringAnOutageIsNotProcessed() throws Exception {
        Pipeline p = oneFileToCsv("outage", "{ parallelism: 1, interval: 100ms }");
        List<io.sluice.spi.Claim> claims = Collections.synchronizedList(new ArrayList<>());
        List<String> stale = Collections.synchronizedList(new ArrayList<>());
        List<String> opened = Collections.synchronizedList(new ArrayList<>());
        try (Assembly real = Assembly.of(p, PipelineLoader.withSystemEnv().components(), Clock.systemUTC())) {
            Ledger ledger = real.ledger();
            Ledger outage = proxy(Ledger.class, (proxy, m, args) -> {
                if (m.getName().equals("incarnation") && claims.size() == 1) {
                    // while the ledger is down, the claim's lease runs out and another worker takes it
                    io.sluice.spi.Claim mine = claims.getFirst();
                    assertThat(ledger.expire(mine.splitId(), mine.token())).isTrue();
                    claims.add(ledger.claim(mine.splitId(), "other-worker", Duration.ofHours(1))
                            .orElseThrow());
                    throw new io.sluice.spi.LedgerException("connection refused", null);
                }
                Object result = call(ledger, m, args);
                if (m.getName().equals("claim") && result instanceof Optional<?> o && o.isPresent())
                    claims.add((io.sluice.spi.Claim) o.get());
                return result;
            });
            io.sluice.spi.sink.Sink sink = real.sink();
            io.sluice.spi.sink.Sink noting = proxy(io.sluice.spi.sink.Sink.class, (proxy, m, args) -> {
                if (m.getName().equals("open")) opened.add(((io.sluice.spi.Split) args[0]).id());
                return call(sink, m, args);
            });
            Assembly a = new Assembly(p, real.source(), real.steps(), noting, outage, real.ledgerName());
            var member = new io.sluice.spi.WorkerInfo(
                    "member-1", "host", ProcessHandle.current().pid(), java.time.Instant.now(), 1);
            LocalRunner runner = new LocalRunner(a, Clock.systemUTC(), member, new RunListener() {
                @Override
                public void stale(io.sluice.spi.Claim claim, String message) {
                    stale.add(claim.splitId());
                }
            });
            var result = started(runner);
            Await.until("the stale attempt given up", () -> !stale.isEmpty());
            runner.requestStop();
            result.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(ledger.isCurrent(claims.get(1)))
                    .as("the other worker's claim")
                    .isTrue();
        }
        assertThat(stale).containsExactly("a.csv");
        assertThat(opened).as("the sink opened for the stale attempt").isEmpty();
    }

    /**
     * A pool member rides outages out, but a ledger that refuses its login (a password rotated under a running worker)
     * does not come back by waiting: the member stops with the ledger's message, for its supervisor to show and to
     * start it again with the new settings, instead of reporting an outage and retrying for ever.
     */
    @Test
    void aPoolMemberStopsWhenTheLedgerRefusesItsClaims() throws Exception {
        assertThatThrownBy(() -> runRefused("claim", member()))
                .isInstanceOf(io.sluice.spi.LedgerRefusedException.class)
                .hasMessageContaining("authentication failed");
    }

    /** The same refusal met by the member's pool beat (announcing itself), which retries nothing itself. */
    @Test
    void aPoolMemberStopsWhenTheLedgerRefusesItsBeat() throws Exception {
        assertThatThrownBy(() -> runRefused("lead", member()))
                .isInstanceOf(io.sluice.spi.LedgerRefusedException.class)
                .hasMessageContaining("authentication failed");
    }

    /**
     * The same refusal met by the member's planning (its second round): the coordinator leaves the run to end with it
     * once the workers stopped, as a refused claim does.
     */
    @Test
    void aPoolMemberStopsWhenTheLedgerRefusesItsPlanning() throws Exception {
        assertThatThrownBy(() -> runRefused("known", member()))
                .isInstanceOf(io.sluice.spi.LedgerRefusedException.class)
                .hasMessageContaining("authentication failed");
    }

    /** A plain run whose claims fail stops with the ledger's error; it does not end as if all were done. */
    @Test
    void aPlainRunStopsWhenTheLedgerFailsItsClaims() throws Exception {
        assertThatThrownBy(() -> runRefused("claim", null))
                .isInstanceOf(io.sluice.spi.LedgerRefusedException.class)
                .hasMessageContaining("authentication failed");
    }

    /**
     * Runs a pipeline over one input whose ledger refuses every call of the method {@code refused} from its second on
     * (the first succeeds, as a worker's first calls did before a password was rotated): returns how the run ended.
     */
    private RunSummary runRefused(String refused, io.sluice.spi.WorkerInfo member) throws Exception {
        Pipeline p = oneFileToCsv("refused", "{ parallelism: 2, interval: 100ms }");
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        try (Assembly real = Assembly.of(p, PipelineLoader.withSystemEnv().components(), Clock.systemUTC())) {
            Ledger ledger = real.ledger();
            Ledger refusing = proxy(Ledger.class, (proxy, m, args) -> {
                if (m.getName().equals(refused) && calls.incrementAndGet() > 1)
                    throw new io.sluice.spi.LedgerRefusedException(
                            "PostgreSQL ledger: authentication failed for user sluice", null);
                return call(ledger, m, args);
            });
            Assembly a = new Assembly(p, real.source(), real.steps(), real.sink(), refusing, real.ledgerName());
            LocalRunner runner = member == null
                    ? new LocalRunner(a, Clock.systemUTC(), OwnerId.forThisProcess(), new RunListener() {})
                    : new LocalRunner(a, Clock.systemUTC(), member, new RunListener() {});
            var result = started(runner);
            try {
                return result.get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                throw (Exception) e.getCause();
            } finally {
                runner.requestStop(); // a run still retrying after 30 s (the test fails) is not left behind
            }
        }
    }

    /**
     * A pool member (a {@code sluice worker} Kubernetes has just restarted) whose first plan falls in logrotate's gap:
     * {@code app-20261120.log} is listed, the new {@code app.log} not yet. It says it waits for the live log instead of
     * stopping with the configuration's refusal, and reads both once {@code app.log} is there.
     */
    @Test
    void aPoolMemberStartedInARotationsGapWaitsForTheLiveLog() throws Exception {
        String day = "a line of the service's log, padded to forty\n".repeat(10);
        input("app-20261120.log", "day 1\n" + day);
        Pipeline p = load("""
                pipeline: gap
                source:
                  files: { path: in, include: "*.log", rotated: "app-[0-9]*.log", format: text, tail: true, settle: 100ms }
                sink: { files: { path: out, format: csv } }
                run: { parallelism: 1, interval: 100ms }
                """);
        List<String> said = Collections.synchronizedList(new ArrayList<>());
        try (Assembly a = Assembly.of(p, PipelineLoader.withSystemEnv().components(), Clock.systemUTC())) {
            LocalRunner runner = new LocalRunner(a, Clock.systemUTC(), member(), new RunListener() {
                @Override
                public void info(String message) {
                    said.add(message);
                }
            });
            var result = started(runner);
            try {
                Await.until("waiting said, or the run ended", () -> result.isDone() || waitingSaid(said));
                assertThat(result).as("still running").isNotDone();
                input("app.log", "day 2\n" + day);
                Await.until("both logs read", () -> runner.stats().rowsOut() >= 22);
            } finally {
                runner.requestStop();
            }
            RunSummary summary = result.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(summary.rowsOut()).as("each line once").isEqualTo(22);
        }
    }

    private static boolean waitingSaid(List<String> said) {
        synchronized (said) {
            return said.stream().anyMatch(m -> m.startsWith("app-20261120.log: taken for a live log"));
        }
    }

    /** The run, on a thread of its own. */
    private static java.util.concurrent.CompletableFuture<RunSummary> started(LocalRunner runner) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return runner.run();
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
    }

    private static io.sluice.spi.WorkerInfo member() {
        return new io.sluice.spi.WorkerInfo(
                "member-1", "host", ProcessHandle.current().pid(), java.time.Instant.now(), 1);
    }

    /** A secret this process knows, quoted by an error, is masked in the failure the ledger stores, not only when shown. */
    @Test
    void aFailureQuotingASecretIsStoredMasked() throws Exception {
        String secret = "sluice-test-secret-" + System.nanoTime();
        io.sluice.config.Secret.of(secret); // as a password option read from the pipeline file would be
        Pipeline p = castingToInteger(secret, "{ max: 0 }");
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        RunListener listener = new RunListener() {
            @Override
            public void failed(io.sluice.spi.Claim claim, String error, long retryInMillis) {
                failures.add(error);
            }
        };
        try (Assembly a = Assembly.of(p, PipelineLoader.withSystemEnv().components(), Clock.systemUTC())) {
            RunSummary summary = new LocalRunner(a, Clock.systemUTC(), OwnerId.forThisProcess(), listener).run();
            assertThat(summary.died()).isEqualTo(1);
            List<io.sluice.spi.SplitInfo> dead =
                    a.ledger().splits(java.util.EnumSet.of(io.sluice.spi.SplitState.DEAD), 10);
            assertThat(dead)
                    .singleElement()
                    .satisfies(s -> assertThat(s.lastError())
                            .as("the stored reason")
                            .contains("***")
                            .doesNotContain(secret));
        }
        assertThat(failures).singleElement().asString().doesNotContain(secret);
    }

    /**
     * A watch run with {@code run.schedule} lists the source at the schedule's time, not as it starts and not every
     * {@code run.interval}. The run's clock is a manual one: the test moves it to the scheduled time.
     */
    @Test
    void aScheduledWatchRunListsAtTheScheduledTimeNotAtItsStart() throws Exception {
        Pipeline p =
                oneFileToCsv("nightly", "{ mode: watch, interval: 100ms, parallelism: 1, schedule: \"0 0 1 1 *\" }");
        ManualClock clock = new ManualClock();
        List<String> said = Collections.synchronizedList(new ArrayList<>());
        RunListener listener = new RunListener() {
            @Override
            public void info(String message) {
                said.add(message);
            }
        };
        java.time.Instant newYear = p.run().schedule().orElseThrow().next(clock.instant());
        try (Assembly a = Assembly.of(p, PipelineLoader.withSystemEnv().components(), clock)) {
            LocalRunner runner = new LocalRunner(a, clock, OwnerId.forThisProcess(), listener);
            var result = started(runner);
            Thread.sleep(1500); // 15 intervals
            assertThat(runner.stats().planned())
                    .as("nothing listed before the scheduled time")
                    .isZero();
            assertThat(said)
                    .contains("next run at " + newYear.atOffset(java.time.ZoneOffset.UTC) + " (0 0 1 1 * in UTC)");

            clock.set(newYear);
            long until = System.nanoTime() + 30_000_000_000L;
            while (runner.stats().splitsDone() < 1 && System.nanoTime() < until) Thread.sleep(50);
            runner.requestStop();
            RunSummary summary = result.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(summary.splitsDone())
                    .as("listed and processed at the scheduled time")
                    .isEqualTo(1);
        }
    }

    /**
     * Without steps, and into a sink that needs no column, a run reads no sample of the input before planning: there
     * is nothing it could find (for a database source, the sample was a query and a spool file on every run).
     */
    @Test
    void aRunWithoutStepsIntoASinkThatNeedsNoColumnReadsNoSample() throws Exception {
        Pipeline p = withoutSteps("{ path: out, format: csv }");
        List<String> sampled = Collections.synchronizedList(new ArrayList<>());
        try (Assembly real = Assembly.of(p, PipelineLoader.withSystemEnv().components(), Clock.systemUTC())) {
            Assembly counted = sampling(real, sampled);
            RunSummary summary =
                    new LocalRunner(counted, Clock.systemUTC(), OwnerId.forThisProcess(), new RunListener() {}).run();
            assertThat(summary.splitsDone()).isEqualTo(1);
        }
        assertThat(sampled).isEmpty();
        assertThat(dir.resolve("out")).isNotEmptyDirectory();
    }

    /** Without steps, a sink that needs a column (a partition column here) still gets its check before any split. */
    @Test
    void aRunWithoutStepsStillChecksTheColumnsTheSinkNeeds() throws Exception {
        Pipeline p = withoutSteps("{ path: out, format: csv, partition_by: [regoin] }");
        List<String> sampled = Collections.synchronizedList(new ArrayList<>());
        try (Assembly real = Assembly.of(p, PipelineLoader.withSystemEnv().components(), Clock.systemUTC())) {
            Assembly counted = sampling(real, sampled);
            LocalRunner runner =
                    new LocalRunner(counted, Clock.systemUTC(), OwnerId.forThisProcess(), new RunListener() {});
            assertThatThrownBy(runner::run)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("no column \"regoin\" in the records the steps give")
                    .hasMessageContaining("did you mean 'region'?");
            assertThat(counted.ledger().counts().getOrDefault(io.sluice.spi.SplitState.DONE, 0L))
                    .as("no split ran")
                    .isZero();
        }
        assertThat(sampled).hasSize(1);
    }

    /**
     * A watching run whose listing of the source fails ends with that error, but only once its workers stopped: the
     * split in flight then is committed and recorded, and no worker goes on claiming, without heartbeats, after the
     * run ended (or has the engine and its scratch folder closed under it).
     */
    @Test
    void aWatchRunEndedByAFailedListingStopsItsWorkersFirst() throws Exception {
        Pipeline p = oneFileToCsv("listing-fails", "{ mode: watch, interval: 100ms, parallelism: 1 }");
        java.util.concurrent.CountDownLatch listingFailed = new java.util.concurrent.CountDownLatch(1);
        try (Assembly real = Assembly.of(p, PipelineLoader.withSystemEnv().components(), Clock.systemUTC())) {
            Source source = real.source();
            java.util.concurrent.atomic.AtomicInteger listings = new java.util.concurrent.atomic.AtomicInteger();
            Source failing = proxy(Source.class, (proxy, m, args) -> {
                if (m.getName().equals("propose") && args.length == 2 && listings.incrementAndGet() > 1) {
                    listingFailed.countDown();
                    throw new IOException("listing the input failed");
                }
                // the split stays in flight until the run's second listing failed
                if (m.getName().equals("open")) listingFailed.await();
                return call(source, m, args);
            });
            Assembly a = new Assembly(p, failing, real.steps(), real.sink(), real.ledger(), real.ledgerName());
            LocalRunner runner = new LocalRunner(a, Clock.systemUTC(), OwnerId.forThisProcess(), new RunListener() {});
            assertThatThrownBy(runner::run).hasMessageContaining("listing the input failed");
            assertThat(Thread.getAllStackTraces().keySet())
                    .as("no worker of the run is left running")
                    .noneMatch(t -> t.getName().startsWith("sluice-worker-") && t.isAlive());
            assertThat(real.ledger().counts())
                    .as("the split in flight was recorded")
                    .containsEntry(io.sluice.spi.SplitState.DONE, 1L);
        }
    }

    /**
     * A pool member whose split reaches its commit while the ledger is unreachable rides the outage out there too: the
     * commit's output lock is asked for again with backoff until the ledger answers, instead of failing the attempt
     * (with no retries left, the split would be dead for an outage).
     */
    @Test
    void aPoolMemberWhoseCommitFallsInAnOutageWaitsForTheLedger() throws Exception {
        Pipeline p = oneFileToCsv("commit-outage", "{ parallelism: 1, interval: 100ms, retries: { max: 0 } }");
        java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
        try (Assembly real = Assembly.of(p, PipelineLoader.withSystemEnv().components(), Clock.systemUTC())) {
            Ledger ledger = real.ledger();
            Ledger down = proxy(Ledger.class, (proxy, m, args) -> {
                // the ledger goes away as the split's commit asks for its output lock, for three calls
                if (m.getName().equals("lock") && refused.incrementAndGet() <= 3)
                    throw new io.sluice.spi.LedgerException("connection refused", null);
                return call(ledger, m, args);
            });
            Assembly a = new Assembly(p, real.source(), real.steps(), real.sink(), down, real.ledgerName());
            LocalRunner runner = new LocalRunner(a, Clock.systemUTC(), member(), new RunListener() {});
            var result = started(runner);
            try {
                Await.until(
                        "the split ended",
                        () -> runner.stats().splitsDone() + runner.stats().attemptsFailed() > 0);
            } finally {
                runner.requestStop();
            }
            RunSummary summary = result.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(summary.attemptsFailed())
                    .as("no attempt failed for the outage")
                    .isZero();
            assertThat(summary.splitsDone()).isEqualTo(1);
        }
        assertThat(refused).as("the outage met the commit").hasValueGreaterThan(3);
    }

    /**
     * A tailed range that lags behind while its log is rotated into a gzip not settled yet fails "not settled yet": it
     * is tried again once the rotation has settled, not at the retry backoff, so {@code run.retries} running out
     * (here one retry, a second after) does not leave it dead with its lines missing from the output.
     */
    @Test
    void aLaggingRangeWaitsForItsRotationToSettleInsteadOfDyingOfItsRetries() throws Exception {
        String first = "a line of the service's log, padded to forty\n".repeat(20);
        input("app.log", first);
        Pipeline p = load("""
                pipeline: lagging
                source:
                  files: { path: in, include: "app.log*", format: text, tail: true, settle: 4s }
                sink: { files: { path: out, format: csv } }
                run: { parallelism: 1, interval: 100ms, retries: { max: 1, backoff: 1s } }
                """);
        try (Assembly a = Assembly.of(p, PipelineLoader.withSystemEnv().components(), Clock.systemUTC())) {
            assertThat(new io.sluice.planning.Planner(a.source(), a.ledger())
                            .plan()
                            .splits())
                    .as("the range planned in the live log")
                    .hasSize(1);
            // before the range is read, the log is rotated and compressed just now: settled in 4 s
            Files.delete(dir.resolve("in/app.log"));
            try (var gz = new java.util.zip.GZIPOutputStream(Files.newOutputStream(dir.resolve("in/app.log.1.gz")))) {
                gz.write((first + "two more lines\nthe last one\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            RunSummary summary =
                    new LocalRunner(a, Clock.systemUTC(), OwnerId.forThisProcess(), new RunListener() {}).run();
            assertThat(summary.died()).as("no split dead").isZero();
            assertThat(summary.rowsOut()).as("each line once").isEqualTo(22);
        }
    }

    /**
     * An input never ready (a rotation that keeps changing) still ends: each attempt is made when it was due to be
     * ready and counts, so the split is dead after {@code run.retries.max} retries, saying why and what to do.
     */
    @Test
    void aSplitWhoseInputIsNeverReadyEndsDeadSayingSoAfterItsRetries() throws Exception {
        Pipeline p = oneFileToCsv("never", "{ parallelism: 1, retries: { max: 1, backoff: 1h } }");
        try (Assembly real = Assembly.of(p, PipelineLoader.withSystemEnv().components(), Clock.systemUTC())) {
            Source source = real.source();
            Source neverReady = proxy(Source.class, (proxy, m, args) -> {
                if (m.getName().equals("open"))
                    throw new io.sluice.spi.source.NotReadyYet(
                            "a.csv is still changing", java.time.Instant.now().plusMillis(200));
                return call(source, m, args);
            });
            Assembly a = new Assembly(p, neverReady, real.steps(), real.sink(), real.ledger(), real.ledgerName());
            RunSummary summary =
                    new LocalRunner(a, Clock.systemUTC(), OwnerId.forThisProcess(), new RunListener() {}).run();
            assertThat(summary.died())
                    .as("tried again when due, not after the hour of backoff, then dead")
                    .isEqualTo(1);
            assertThat(real.ledger().splits(java.util.EnumSet.of(io.sluice.spi.SplitState.DEAD), 10))
                    .singleElement()
                    .satisfies(s -> assertThat(s.lastError())
                            .contains("a.csv is still changing")
                            .contains("still not ready after 2 attempt(s)")
                            .contains("`sluice retry`"));
        }
    }

    /** Writes an input file under {@code in/}, settled long ago (its modification time 1970). */
    private void input(String name, String content) throws IOException {
        Files.createDirectories(dir.resolve("in"));
        Files.writeString(dir.resolve("in/" + name), content);
        Files.setLastModifiedTime(dir.resolve("in/" + name), java.nio.file.attribute.FileTime.fromMillis(0));
    }

    /** Writes the pipeline file {@code p.yaml} and loads it. */
    private Pipeline load(String yaml) throws Exception {
        return PipelineLoader.withSystemEnv().load(Files.writeString(dir.resolve("p.yaml"), yaml));
    }

    /**
     * A pipeline {@code name} without steps over one input file ({@code a.csv}, one row), into csv files, with the run
     * options {@code run}.
     */
    private Pipeline oneFileToCsv(String name, String run) throws Exception {
        input("a.csv", "id\n1\n");
        return load("""
                pipeline: %s
                source: { files: { path: in } }
                sink: { files: { path: out, format: csv } }
                run: %s
                """.formatted(name, run));
    }

    /** A pipeline without steps over one input file, into a files sink of {@code sink}'s options. */
    private Pipeline withoutSteps(String sink) throws Exception {
        input("a.csv", "id,region\n1,eu\n");
        return load("""
                pipeline: plain
                source: { files: { path: in } }
                sink: { files: %s }
                run: { parallelism: 1 }
                """.formatted(sink));
    }

    /** The assembly with its real source, noting each sample the source is asked for. */
    private static Assembly sampling(Assembly real, List<String> sampled) {
        Source source = real.source();
        Source noting = proxy(Source.class, (proxy, m, args) -> {
            if (m.getName().equals("sample")) sampled.add(String.valueOf(args[0]));
            return call(source, m, args);
        });
        return new Assembly(real.pipeline(), noting, real.steps(), real.sink(), real.ledger(), real.ledgerName());
    }

    /** A pipeline over one input row whose {@code v} is {@code value}, cast to an integer: it fails unless a number. */
    private Pipeline castingToInteger(String value, String retries) throws Exception {
        input("bad.csv", "id,v\n1," + value + "\n");
        return load("""
                pipeline: casting
                source: { files: { path: in } }
                steps:
                  - sql: SELECT id, CAST(v AS INTEGER) AS v FROM input
                sink: { files: { path: out, format: csv } }
                run: { parallelism: 1, retries: %s }
                """.formatted(retries));
    }

    /** The real ledger, answering claims slowly: a claimed split reaches the worker a while after the ledger granted it. */
    private static Ledger slowClaims(Ledger ledger) {
        return proxy(Ledger.class, (proxy, m, args) -> {
            Object result = call(ledger, m, args);
            if (m.getName().equals("claim") && result instanceof Optional<?> o && o.isPresent()) Thread.sleep(500);
            return result;
        });
    }
}
