package io.sluice.ledger.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.LedgerException;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.SplitState;
import io.sluice.testkit.ledger.LedgerConformanceKit;
import io.sluice.testkit.ledger.MutableClock;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What only the PostgreSQL ledger has to show: versioned migrations, SKIP LOCKED claims, errors naming the ledger. */
class PostgresLedgerTest {
    private static final Duration LEASE = Duration.ofMinutes(1);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final List<PostgresLedger> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.reversed().forEach(PostgresLedger::close);
    }

    private PostgresLedger open(PostgresConfig config) {
        PostgresLedger ledger = PostgresLedger.open(config, "p", clock);
        opened.add(ledger);
        return ledger;
    }

    @Test
    void theFirstOpenCreatesTheSchemaAndRecordsItsVersion() throws Exception {
        PostgresConfig config = TestPostgres.freshSchema();

        open(config).register(List.of(split("a")));
        open(config).register(List.of(split("b")));

        assertThat(query(config, "SELECT string_agg(version::text, ',' ORDER BY version) FROM " + config.schema()
                + ".sluice_schema_version")).as("each migration once, in order").isEqualTo(
                        java.util.stream.IntStream.rangeClosed(1, Schema.VERSION).mapToObj(String::valueOf)
                                .collect(java.util.stream.Collectors.joining(",")));
        assertThat(query(config, "SELECT count(*) FROM " + config.schema() + ".splits")).isEqualTo("2");
    }

    @Test
    void processesStartingTogetherOnANewSchemaMigrateOnceAndRegisterThePlanOnce() throws Exception {
        PostgresConfig config = TestPostgres.freshSchema();
        List<Split> plan = IntStream.range(0, 200).mapToObj(i -> split("s" + i)).toList();
        Map<String, AtomicInteger> registered = new ConcurrentHashMap<>();

        LedgerConformanceKit.inParallel(6, worker -> {
            try (PostgresLedger ledger = PostgresLedger.open(config, "p", clock)) {
                ledger.register(plan).forEach(id -> registered.computeIfAbsent(id, k -> new AtomicInteger())
                        .incrementAndGet());
            }
        });

        assertThat(registered).hasSize(plan.size());
        assertThat(registered.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
        assertThat(query(config, "SELECT count(*) FROM " + config.schema() + ".sluice_schema_version"))
                .isEqualTo(String.valueOf(Schema.VERSION));
    }

    @Test
    void aSchemaWrittenByANewerSluiceIsRefused() throws Exception {
        PostgresConfig config = TestPostgres.freshSchema();
        open(config);
        execute(config, "INSERT INTO " + config.schema() + ".sluice_schema_version (version) VALUES (99)");

        assertThatThrownBy(() -> open(config))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining(config.url())
                .hasMessageContaining("schema " + config.schema())
                .hasMessageContaining("newer Sluice");
    }

    @Test
    void aSchemaHoldingAnotherApplicationsSplitsTableIsRefusedAndLeftAlone() throws Exception {
        PostgresConfig config = TestPostgres.freshSchema();
        execute(config, "CREATE SCHEMA " + config.schema());
        execute(config, "CREATE TABLE " + config.schema() + ".splits (x int)");

        assertThatThrownBy(() -> open(config))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("did not create")
                .hasMessageContaining("state.postgres.schema");
        assertThat(query(config, "SELECT count(*) FROM information_schema.tables WHERE table_schema = '"
                + config.schema() + "'")).isEqualTo("1");
    }

    @Test
    void aMissingDatabaseIsNamedWithWhatToDo() {
        PostgresConfig config = TestPostgres.freshSchema();
        PostgresConfig missing = new PostgresConfig(config.url().replace("/postgres", "/nosuchdb"), "postgres", null,
                "sluice", 2, Duration.ofSeconds(2));

        assertThatThrownBy(() -> open(missing))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("PostgreSQL ledger " + missing.url())
                .hasMessageContaining("does not exist; create it");
    }

    @Test
    void aPasswordInTheUrlNeverAppearsInMessages() {
        PostgresConfig config = PostgresConfig.of("jdbc:postgresql://db:5432/x?user=u&password=s3cret", null, null,
                "sluice");

        assertThat(config.describe()).doesNotContain("s3cret").contains("password=***");
    }

    @Test
    void aClaimSkipsARowAnotherTransactionHoldsInsteadOfWaiting() throws Exception {
        PostgresConfig config = TestPostgres.freshSchema();
        PostgresLedger ledger = open(config);
        ledger.register(List.of(split("a"), split("b")));
        try (Connection other = connect(config)) {
            other.setAutoCommit(false);
            try (Statement s = other.createStatement()) {
                s.execute("SELECT * FROM " + config.schema() + ".splits WHERE id = 'a' FOR UPDATE");

                assertThat(ledger.claim("w1", LEASE)).get().extracting(Claim::splitId).isEqualTo("b");
            }
            other.rollback();
        }
        assertThat(ledger.claim("w1", LEASE)).get().extracting(Claim::splitId).isEqualTo("a");
    }

    @Test
    void workersOnThreeHandlesCompleteEverySplitExactlyOnce() throws Exception {
        PostgresConfig config = TestPostgres.freshSchema();
        List<PostgresLedger> handles = List.of(open(config), open(config), open(config));
        int splits = 2_000;
        handles.getFirst().register(IntStream.range(0, splits).mapToObj(i -> split("s" + i)).toList());
        Map<String, AtomicInteger> completed = new ConcurrentHashMap<>();

        LedgerConformanceKit.inParallel(8, worker -> {
            PostgresLedger ledger = handles.get(worker % handles.size());
            for (Optional<Claim> c; (c = ledger.claim("w" + worker, LEASE)).isPresent(); ) {
                ledger.complete(c.get(), new Completion(1, 1, 0, List.of()));
                completed.computeIfAbsent(c.get().splitId(), id -> new AtomicInteger()).incrementAndGet();
            }
        });

        assertThat(completed).hasSize(splits);
        assertThat(completed.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
        assertThat(handles.getLast().counts()).containsOnly(entry(SplitState.DONE, (long) splits));
    }

    static Split split(String name) {
        return new Split(name, List.of(Member.whole(name + ".csv", "v1", null)), 10);
    }

    private static Connection connect(PostgresConfig config) throws SQLException {
        return DriverManager.getConnection(config.url(), "postgres", "");
    }

    private static String query(PostgresConfig config, String sql) throws SQLException {
        try (Connection c = connect(config); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void execute(PostgresConfig config, String sql) throws SQLException {
        try (Connection c = connect(config); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
