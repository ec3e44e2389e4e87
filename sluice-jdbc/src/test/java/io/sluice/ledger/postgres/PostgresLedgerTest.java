package io.sluice.ledger.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.config.Secret;
import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.LedgerException;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import io.sluice.spi.SplitState;
import io.sluice.spi.Totals;
import io.sluice.testkit.ledger.LedgerConformanceKit;
import io.sluice.testkit.ledger.MutableClock;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What only the PostgreSQL ledger has to show: versioned migrations, SKIP LOCKED claims, errors naming the ledger. */
class PostgresLedgerTest {
    private static final Duration LEASE = Duration.ofMinutes(1);
    private static final ObjectMapper JSON = new ObjectMapper();

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

        assertThat(query(
                        config,
                        "SELECT string_agg(version::text, ',' ORDER BY version) FROM " + config.schema()
                                + ".sluice_schema_version"))
                .as("each migration once, in order")
                .isEqualTo(java.util.stream.IntStream.rangeClosed(1, Schema.VERSION)
                        .mapToObj(String::valueOf)
                        .collect(java.util.stream.Collectors.joining(",")));
        assertThat(query(config, "SELECT count(*) FROM " + config.schema() + ".splits"))
                .isEqualTo("2");
    }

    @Test
    void processesStartingTogetherOnANewSchemaMigrateOnceAndRegisterThePlanOnce() throws Exception {
        PostgresConfig config = TestPostgres.freshSchema();
        List<Split> plan = IntStream.range(0, 200).mapToObj(i -> split("s" + i)).toList();
        Map<String, AtomicInteger> registered = new ConcurrentHashMap<>();

        LedgerConformanceKit.inParallel(6, worker -> {
            try (PostgresLedger ledger = PostgresLedger.open(config, "p", clock)) {
                ledger.register(plan)
                        .forEach(id -> registered
                                .computeIfAbsent(id, k -> new AtomicInteger())
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
                .hasMessageContaining(config.url().toString())
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
        assertThat(query(
                        config,
                        "SELECT count(*) FROM information_schema.tables WHERE table_schema = '" + config.schema()
                                + "'"))
                .isEqualTo("1");
    }

    @Test
    void aMissingDatabaseIsNamedWithWhatToDo() {
        PostgresConfig config = TestPostgres.freshSchema();
        PostgresConfig missing = new PostgresConfig(
                Secret.url(config.url().reveal().replace("/postgres", "/nosuchdb")),
                "postgres",
                null,
                "sluice",
                2,
                Duration.ofSeconds(2));

        assertThatThrownBy(() -> open(missing))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("PostgreSQL ledger " + missing.url())
                .hasMessageContaining("does not exist; create it");
    }

    @Test
    void aPasswordInTheUrlNeverAppearsInMessages() {
        PostgresConfig config =
                PostgresConfig.of("jdbc:postgresql://db:5432/x?user=u&password=s3cret", null, null, "sluice");

        assertThat(config.describe()).doesNotContain("s3cret").contains("password=***");
    }

    @Test
    void aPasswordTheDriverEchoesIsMaskedInTheLedgerError() {
        // the driver takes no user:password@ in its urls: it reads "app:<password>@127.0.0.1" as the host, and quotes
        // it
        PostgresConfig config = new PostgresConfig(
                Secret.url("jdbc:postgresql://app:echoed-s3cret@127.0.0.1:1/db"),
                null,
                null,
                "sluice",
                1,
                Duration.ofSeconds(1));

        assertThatThrownBy(() -> open(config))
                .isInstanceOf(LedgerException.class)
                .hasMessageContaining("app:***@127.0.0.1")
                .message()
                .doesNotContain("echoed-s3cret");
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

                assertThat(ledger.claim("w1", LEASE))
                        .get()
                        .extracting(Claim::splitId)
                        .isEqualTo("b");
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
        handles.getFirst()
                .register(
                        IntStream.range(0, splits).mapToObj(i -> split("s" + i)).toList());
        Map<String, AtomicInteger> completed = new ConcurrentHashMap<>();

        LedgerConformanceKit.inParallel(8, worker -> {
            PostgresLedger ledger = handles.get(worker % handles.size());
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
    void aVersion2SchemaIsMigratedAndItsSplitsAreClaimedAndCompleted() throws Exception {
        PostgresConfig config = schemaWithOneSplit(2, "pending", 2);
        String s = config.schema();

        PostgresLedger ledger = open(config);

        assertThat(query(config, "SELECT max(version) FROM " + s + ".sluice_schema_version"))
                .isEqualTo(String.valueOf(Schema.VERSION));
        assertThat(query(
                        config,
                        "SELECT indexdef FROM pg_indexes WHERE schemaname = '" + s
                                + "' AND indexname = 'splits_by_state'"))
                .endsWith("(state, pipeline, seq)");
        Claim claim = ledger.claim("w1", LEASE).orElseThrow();
        assertThat(claim.split().members()).extracting(Member::key).containsExactly("k0", "k1");
        assertThat(ledger.isCurrent(claim)).isTrue();
        ledger.complete(claim, new Completion(1, 1, 0, List.of(), "v1"));
        assertThat(ledger.counts()).containsOnly(entry(SplitState.DONE, 1L));
    }

    @Test
    void aVersion3SchemaIsMigratedAndItsDoneSplitsCountAsUnversioned() throws Exception {
        PostgresConfig config = schemaWithOneSplit(3, "done", 1);

        PostgresLedger ledger = open(config);

        assertThat(query(config, "SELECT max(version) FROM " + config.schema() + ".sluice_schema_version"))
                .isEqualTo(String.valueOf(Schema.VERSION));
        assertThat(ledger.doneByVersion()).containsOnly(entry("", 1L));
        assertThat(ledger.totals()).isEqualTo(new Totals(5, 4, 1, Instant.ofEpochMilli(7)));
        assertThat(ledger.incarnation()).isNotBlank().isEqualTo(open(config).incarnation());
        assertThat(ledger.requeueOutdated("v1")).isEqualTo(1);
        Claim again = ledger.claim("old", "w1", LEASE).orElseThrow();
        ledger.complete(again, new Completion(1, 1, 0, List.of(), "v1"));
        assertThat(ledger.doneByVersion()).containsOnly(entry("v1", 1L));
    }

    @Test
    void aVersion4SchemaIsMigratedAndItsSplitsHaveNoPayloadOrOutputKey() throws Exception {
        PostgresConfig config = schemaWithOneSplit(4, "pending", 2);

        PostgresLedger ledger = open(config);

        assertThat(query(config, "SELECT max(version) FROM " + config.schema() + ".sluice_schema_version"))
                .isEqualTo("5");
        Split old = new Split("old", List.of(Member.whole("k0", "v1", null), Member.whole("k1", "v1", null)), 10);
        assertThat(ledger.split("old")).contains(old);
        assertThat(ledger.claim("w1", LEASE).orElseThrow().split()).isEqualTo(old);
        Split withPayload = new Split(
                "new",
                List.of(Member.whole("n.csv", "v1", null)),
                10,
                "{\"k\":1}",
                new OutputKey("n.csv", "v1", 0, Member.WHOLE));
        ledger.register(List.of(withPayload));
        assertThat(ledger.claim("w1", LEASE).orElseThrow().split()).isEqualTo(withPayload);
        assertThat(ledger.lock("out/n", "w1", LEASE)).isPresent();
    }

    /** Workers of version 4 keep working on a schema migrated to 5: they register without payloads, and claim. */
    @Test
    void workersOfTheVersionBeforeKeepClaimingAfterTheMigration() throws Exception {
        PostgresConfig config = schemaWithOneSplit(4, "pending", 1);
        String s = config.schema();
        PostgresLedger ledger = open(config);
        ledger.register(List.of(new Split("new", List.of(Member.whole("n.csv", "v1", null)), 10, "{}", null)));

        try (Connection c = connect(config);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT * FROM " + s + ".claim('p', " + clock.millis() + ", 'w4', "
                        + (clock.millis() + LEASE.toMillis()) + ")")) {
            assertThat(rs.getMetaData().getColumnCount())
                    .as("the function as version 4 calls it")
                    .isEqualTo(10);
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(2)).isEqualTo("old");
            assertThat(rs.getString(6)).isEqualTo("k0");
        }
        assertThat(ledger.claim("w1", LEASE).orElseThrow().splitId()).isEqualTo("new");
    }

    /**
     * A schema as the Sluice of that schema version left it, holding one split {@code old} of the pipeline in that
     * state (with 5 rows in, 4 out, 1 rejected, updated at 7 ms), of inputs k0, k1, ...
     */
    private static PostgresConfig schemaWithOneSplit(int version, String state, int members) throws SQLException {
        PostgresConfig config = TestPostgres.freshSchema();
        String s = config.schema();
        try (Connection c = connect(config)) {
            Schema.migrate(c, config, version);
        }
        execute(
                config,
                "INSERT INTO " + s + ".splits (pipeline, id, state, bytes, members, rows_in, rows_out, "
                        + "rejected, created, updated) VALUES ('p', 'old', '" + state + "', 10, " + members
                        + ", 5, 4, 1, 0, 7)");
        execute(
                config,
                "INSERT INTO " + s + ".members (split_seq, ord, pipeline, key, fingerprint, range_start, "
                        + "range_end) SELECT seq, o, 'p', 'k' || o, 'v1', 0, -1 FROM " + s + ".splits, "
                        + "generate_series(0, " + (members - 1) + ") o");
        return config;
    }

    /**
     * Benchmark B6: without statistics, or with statistics from before a pipeline's splits were registered, the
     * planner believed the pipeline had next to no open splits; each completion and fence check then read every open
     * split of the pipeline, and with other statistics each claim read them all or walked the primary key past every
     * split. Every statement of a claim and its holder must read a handful of rows whatever the statistics say,
     * whether PostgreSQL plans it for its arguments or once for all (a generic plan, which a prepared statement may
     * get from its sixth run on).
     */
    @ParameterizedTest
    @ValueSource(strings = {"never", "while another pipeline's splits were open", "when every split was done"})
    void claimsAndTheirHoldersReadAHandfulOfRowsWhenTheStatisticsPredateThePipeline(String analyzed) throws Exception {
        PostgresConfig config = TestPostgres.freshSchema();
        String s = config.schema();
        try (PostgresLedger old = PostgresLedger.open(config, "old", clock)) {
            old.register(IntStream.range(0, 2_000).mapToObj(i -> split("o" + i)).toList());
            if (analyzed.startsWith("while")) execute(config, "VACUUM ANALYZE " + s + ".splits");
            for (Optional<Claim> c; (c = old.claim("w", LEASE)).isPresent(); ) {
                old.complete(c.get(), new Completion(1, 1, 0, List.of(), "v1"));
            }
            if (analyzed.startsWith("when")) execute(config, "VACUUM ANALYZE " + s + ".splits");
        }
        PostgresLedger ledger = PostgresLedger.open(config, "new", clock);
        opened.add(ledger);
        ledger.register(IntStream.range(0, 2_000).mapToObj(i -> split("n" + i)).toList());
        Claim held = ledger.claim("w1", LEASE).orElseThrow();
        Sql sql = new Sql(Schema.quote(s));
        long now = clock.millis();

        try (Connection c = connect(config);
                Statement st = c.createStatement()) {
            for (String set : List.of(
                    "LOAD 'auto_explain'",
                    "SET auto_explain.log_min_duration = 0",
                    "SET auto_explain.log_analyze = on",
                    "SET auto_explain.log_nested_statements = on",
                    "SET auto_explain.log_format = json",
                    "SET auto_explain.log_level = notice")) {
                st.execute(set);
            }
            for (String mode : List.of("force_custom_plan", "force_generic_plan")) {
                st.execute("SET plan_cache_mode = " + mode);
                c.setAutoCommit(false); // the changes are rolled back
                List<JsonNode> plans = new ArrayList<>();
                plans.addAll(plans(c, sql.isCurrent, "new", held.splitId(), "new", held.splitId(), held.token()));
                plans.addAll(plans(
                        c, sql.heartbeat, now + 1, now, "new", held.splitId(), "new", held.splitId(), held.token()));
                plans.addAll(plans(c, sql.heldSeq, "new", held.splitId(), "new", held.splitId(), held.token()));
                plans.addAll(
                        plans(c, sql.expire, now, now, "new", held.splitId(), "new", held.splitId(), held.token()));
                plans.addAll(plans(
                        c,
                        sql.complete,
                        1L,
                        1L,
                        0L,
                        "[]",
                        "v1",
                        now,
                        "new",
                        held.splitId(),
                        "new",
                        held.splitId(),
                        held.token()));
                plans.addAll(plans(c, sql.claim, "new", now, "w2", now + 60_000));
                plans.addAll(plans(c, sql.claimNamed, "new", "n5", now, now, "w2", now + 60_000, now));
                plans.addAll(plans(c, sql.split, "new", "n6"));
                plans.addAll(plans(c, sql.lock, "new", "out/n6", "w2", now + 60_000, now));
                plans.addAll(plans(c, sql.holds, "new", "out/n6", 1L, now));
                plans.addAll(plans(c, sql.unlock, "new", "out/n6", 1L));
                c.rollback();
                c.setAutoCommit(true);

                assertThat(plans)
                        .as(mode + ": fence check, heartbeat, the replaced split's look-up, expiry, "
                                + "completion, the claim function's statement, the claim of a named split, the "
                                + "look-up of a split, and an output lock's statements")
                        .hasSizeGreaterThanOrEqualTo(11)
                        .anySatisfy(plan ->
                                assertThat(plan.get("Query Text").asText()).contains("FOR UPDATE SKIP LOCKED"));
                assertThat(plans)
                        .as(mode)
                        .allSatisfy(plan -> assertThat(rowsRead(plan.get("Plan")))
                                .as(plan.get("Query Text").asText())
                                .isLessThanOrEqualTo(10));
            }
        }
    }

    /** Runs a statement; the plans (JSON) auto_explain sent as notices, the statement's and those it ran. */
    private static List<JsonNode> plans(Connection c, String statement, Object... args) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(statement)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            ps.execute();
            List<JsonNode> plans = new ArrayList<>();
            for (SQLWarning w = ps.getWarnings(); w != null; w = w.getNextWarning()) {
                String m = w.getMessage();
                if (m.contains("plan:") && m.indexOf('{') >= 0) plans.add(JSON.readTree(m.substring(m.indexOf('{'))));
            }
            return plans;
        }
    }

    /** The most rows one node of the plan read: those it returned and those its filters removed. */
    private static long rowsRead(JsonNode node) {
        long rows = node.path("Actual Rows").asLong()
                        * Math.max(1, node.path("Actual Loops").asLong())
                + node.path("Rows Removed by Filter").asLong()
                + node.path("Rows Removed by Index Recheck").asLong();
        for (JsonNode child : node.path("Plans")) rows = Math.max(rows, rowsRead(child));
        return rows;
    }

    static Split split(String name) {
        return new Split(name, List.of(Member.whole(name + ".csv", "v1", null)), 10);
    }

    private static Connection connect(PostgresConfig config) throws SQLException {
        return DriverManager.getConnection(config.url().reveal(), "postgres", "");
    }

    private static String query(PostgresConfig config, String sql) throws SQLException {
        try (Connection c = connect(config);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void execute(PostgresConfig config, String sql) throws SQLException {
        try (Connection c = connect(config);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
