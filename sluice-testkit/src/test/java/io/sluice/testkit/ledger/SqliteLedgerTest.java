package io.sluice.testkit.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.sluice.ledger.sqlite.SqliteLedger;
import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.KnownMember;
import io.sluice.spi.LedgerException;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.spi.StaleClaimException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only the SQLite ledger has to show: the file outlives the process, and its errors name the file. */
class SqliteLedgerTest {
    private static final Duration LEASE = Duration.ofMinutes(1);

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final List<SqliteLedger> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.reversed().forEach(SqliteLedger::close);
    }

    private SqliteLedger open(Path file) {
        SqliteLedger ledger = SqliteLedger.open(file, "p", clock);
        opened.add(ledger);
        return ledger;
    }

    @Test
    void stateSurvivesCloseAndReopen() throws Exception {
        Path file = dir.resolve("ledger.db");
        List<SplitInfo> before;
        try (SqliteLedger ledger = SqliteLedger.open(file, "p", clock)) {
            ledger.register(List.of(split("a"), split("b"), split("c")));
            ledger.complete(
                    claim(ledger), new Completion(5, 4, 1, List.of("out/a-0.parquet", "out/a-1.parquet"), "v1"));
            ledger.fail(claim(ledger), "b broke", Optional.of(clock.instant().plusSeconds(60)));
            claim(ledger);
            before = ledger.splits(EnumSet.allOf(SplitState.class), 10);
        }

        SqliteLedger reopened = open(file);

        assertThat(reopened.splits(EnumSet.allOf(SplitState.class), 10)).isEqualTo(before);
        assertThat(reopened.counts())
                .containsOnly(entry(SplitState.DONE, 1L), entry(SplitState.FAILED, 1L), entry(SplitState.CLAIMED, 1L));
        assertThat(reopened.known(List.of("a.csv")))
                .containsEntry("a.csv", new KnownMember("a.csv", "v1", 0, Member.WHOLE, "a", SplitState.DONE));
        assertThat(query(file, "SELECT outputs FROM splits WHERE id = 'a'"))
                .isEqualTo("[\"out/a-0.parquet\",\"out/a-1.parquet\"]");
        assertThat(query(file, "PRAGMA journal_mode")).isEqualTo("wal");
    }

    @Test
    void anExpiredClaimSurvivesReopenAndIsTakenOver() throws Exception {
        Path file = dir.resolve("ledger.db");
        Claim crashed;
        try (SqliteLedger ledger = SqliteLedger.open(file, "p", clock)) {
            ledger.register(List.of(split("a")));
            crashed = claim(ledger);
        }
        SqliteLedger restarted = open(file);
        assertThat(restarted.claim("w2", LEASE)).as("the lease still runs").isEmpty();
        clock.advance(LEASE.plusSeconds(1));

        Claim takeover = restarted.claim("w2", LEASE).orElseThrow();

        assertThat(takeover.split()).isEqualTo(crashed.split());
        assertThat(takeover.attempt()).isEqualTo(2);
        assertThat(takeover.token()).isGreaterThan(crashed.token());
        assertThatThrownBy(() -> restarted.complete(crashed, new Completion(1, 1, 0, List.of(), "v1")))
                .isInstanceOf(StaleClaimException.class);
    }

    /** A ledger of schema 2 (before pipeline versions and incarnations), as the Sluice before them left it. */
    @Test
    void aVersion2LedgerIsUpgradedAndItsDoneSplitsCountAsUnversioned() throws Exception {
        Path file = dir.resolve("ledger.db");
        try (SqliteLedger ledger = SqliteLedger.open(file, "p", clock)) {
            ledger.register(List.of(split("a"), split("b")));
            ledger.complete(claim(ledger), new Completion(5, 4, 1, List.of(), "ignored"));
        }
        downgrade(file, 2);

        SqliteLedger upgraded = open(file);

        assertThat(query(file, "PRAGMA user_version")).isEqualTo("4");
        assertThat(upgraded.doneByVersion()).containsOnly(entry("", 1L));
        assertThat(upgraded.splits(EnumSet.of(SplitState.DONE), 1).getFirst().pipelineVersion())
                .isEmpty();
        assertThat(upgraded.totals().rowsIn()).isEqualTo(5);
        assertThat(upgraded.incarnation()).isEqualTo(open(file).incarnation());
        upgraded.complete(claim(upgraded), new Completion(1, 1, 0, List.of(), "v2"));
        assertThat(upgraded.requeueOutdated("v2")).isEqualTo(1);
        assertThat(upgraded.doneByVersion()).containsOnly(entry("v2", 1L));
    }

    /** A ledger of schema 3 (before payloads, output keys and output locks), as the Sluice before them left it. */
    @Test
    void aVersion3LedgerIsUpgradedAndItsSplitsHaveNoPayloadOrOutputKey() throws Exception {
        Path file = dir.resolve("ledger.db");
        Claim held;
        try (SqliteLedger ledger = SqliteLedger.open(file, "p", clock)) {
            ledger.register(List.of(split("a"), split("b")));
            held = claim(ledger);
        }
        downgrade(file, 3);

        SqliteLedger upgraded = open(file);

        assertThat(query(file, "PRAGMA user_version")).isEqualTo("4");
        assertThat(upgraded.split("a")).contains(split("a"));
        assertThat(upgraded.isCurrent(held)).isTrue();
        assertThat(claim(upgraded).split()).isEqualTo(split("b"));
        Split withPayload = new Split(
                "c",
                List.of(Member.whole("c.csv", "v1", null)),
                10,
                "{\"k\":1}",
                new OutputKey("c.csv", "v1", 0, Member.WHOLE));
        upgraded.register(List.of(withPayload));
        assertThat(upgraded.split("c")).contains(withPayload);
        assertThat(upgraded.lock("out/c", "w1", LEASE)).isPresent();
    }

    /** Takes away what the schema versions after {@code version} added, as a Sluice of that version left the file. */
    private static void downgrade(Path file, int version) throws SQLException {
        if (version < 4) {
            for (String column : List.of("payload", "output_key", "output_version", "output_start", "output_end")) {
                execute(file, "ALTER TABLE splits DROP COLUMN " + column);
            }
            execute(file, "DROP TABLE locks");
        }
        if (version < 3) {
            execute(file, "ALTER TABLE splits DROP COLUMN pipeline_version");
            execute(file, "DROP TABLE incarnations");
        }
        execute(file, "PRAGMA user_version = " + version);
    }

    @Test
    void aDeletedLedgerFileIsANewIncarnation() throws Exception {
        Path file = dir.resolve("ledger.db");
        String before;
        try (SqliteLedger ledger = SqliteLedger.open(file, "p", clock)) {
            before = ledger.incarnation();
        }
        assertThat(open(file).incarnation()).as("the file kept").isEqualTo(before);
        closeAll();
        opened.clear();
        for (String suffix : List.of("", "-wal", "-shm")) Files.deleteIfExists(Path.of(file + suffix));

        assertThat(open(file).incarnation()).isNotEqualTo(before);
    }

    @Test
    void createsTheFoldersOfTheFile() {
        Path file = dir.resolve("a/b/.sluice/pipe.db");

        open(file).register(List.of(split("a")));

        assertThat(file).isRegularFile();
    }

    @Test
    void aFileThatIsNotSqliteIsRefusedAndLeftAlone() throws Exception {
        Path file = dir.resolve("data.csv");
        String csv = "id,name\n1,alice\n".repeat(100);
        Files.writeString(file, csv);

        assertThatThrownBy(() -> open(file))
                .isInstanceOf(io.sluice.spi.LedgerRefusedException.class)
                .hasMessageContaining("not a SQLite database: " + file)
                .hasMessageContaining("state.sqlite");
        assertThat(file).hasContent(csv);
    }

    @Test
    void anotherApplicationsDatabaseIsRefused() throws Exception {
        Path file = dir.resolve("app.db");
        execute(file, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)");

        assertThatThrownBy(() -> open(file))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("another application");
        assertThat(query(file, "SELECT count(*) FROM sqlite_schema")).isEqualTo("1");
    }

    @Test
    void aLedgerWrittenByANewerVersionIsRefused() throws Exception {
        Path file = dir.resolve("ledger.db");
        SqliteLedger.open(file, "p", clock).close();
        execute(file, "PRAGMA user_version = 99");

        assertThatThrownBy(() -> open(file))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("newer Sluice");
    }

    @Test
    void aWriterWaitsForAnotherProcesssTransaction() throws Exception {
        Path file = dir.resolve("ledger.db");
        SqliteLedger ledger = open(file);
        ledger.register(List.of(split("a")));
        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement s = other.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            CompletableFuture<Optional<Claim>> claim = CompletableFuture.supplyAsync(() -> ledger.claim("w1", LEASE));
            Thread.sleep(300);
            assertThat(claim).as("blocked behind the other write transaction").isNotDone();
            s.execute("COMMIT");

            assertThat(claim.get(10, TimeUnit.SECONDS)).isPresent();
        }
    }

    @Test
    void aLockHeldBeyondTheBusyTimeoutNamesTheFileAndTheCause() throws Exception {
        Path file = dir.resolve("ledger.db");
        SqliteLedger ledger = SqliteLedger.open(file, "p", clock, Duration.ofMillis(200));
        opened.add(ledger);
        ledger.register(List.of(split("a")));
        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement s = other.createStatement()) {
            s.execute("BEGIN IMMEDIATE");

            assertThatThrownBy(() -> ledger.claim("w1", LEASE))
                    .isInstanceOf(LedgerException.class)
                    .hasMessageContaining(file.toString())
                    .hasMessageContaining("locked beyond 0.2 s");
            s.execute("ROLLBACK");
        }
        assertThat(ledger.claim("w1", LEASE))
                .as("usable again once the lock is gone")
                .isPresent();
    }

    @Test
    void workersOnTwoHandlesCompleteEverySplitExactlyOnce() throws Exception {
        Path file = dir.resolve("ledger.db");
        List<SqliteLedger> handles = List.of(open(file), open(file));
        int splits = 2_000;
        handles.getFirst()
                .register(
                        IntStream.range(0, splits).mapToObj(i -> split("s" + i)).toList());
        Map<String, AtomicInteger> completed = new ConcurrentHashMap<>();

        LedgerConformanceKit.inParallel(8, worker -> {
            SqliteLedger ledger = handles.get(worker % 2);
            for (Optional<Claim> c; (c = ledger.claim("w" + worker, LEASE)).isPresent(); ) {
                ledger.complete(c.get(), new Completion(1, 1, 0, List.of(), "v1"));
                completed
                        .computeIfAbsent(c.get().splitId(), id -> new AtomicInteger())
                        .incrementAndGet();
            }
        });

        assertThat(completed).hasSize(splits);
        assertThat(completed.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
        assertThat(handles.getLast().counts()).containsOnly(entry(SplitState.DONE, (long) splits));
    }

    @Test
    void processesStartingTogetherOnANewFileEachRegisterThePlanOnce() throws Exception {
        Path file = dir.resolve("fresh/ledger.db");
        List<Split> plan = IntStream.range(0, 200).mapToObj(i -> split("s" + i)).toList();
        Map<String, AtomicInteger> registered = new ConcurrentHashMap<>();

        LedgerConformanceKit.inParallel(8, worker -> {
            try (SqliteLedger ledger = SqliteLedger.open(file, "p", clock)) {
                ledger.register(plan)
                        .forEach(id -> registered
                                .computeIfAbsent(id, k -> new AtomicInteger())
                                .incrementAndGet());
            }
        });

        assertThat(registered).hasSize(plan.size());
        assertThat(registered.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
    }

    private static Split split(String name) {
        return new Split(name, List.of(Member.whole(name + ".csv", "v1", null)), 10);
    }

    private static Claim claim(SqliteLedger ledger) {
        return ledger.claim("w1", LEASE).orElseThrow();
    }

    private static String query(Path file, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void execute(Path file, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
