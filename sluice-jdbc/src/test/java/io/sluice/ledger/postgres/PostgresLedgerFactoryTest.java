package io.sluice.ledger.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.sluice.config.ConfigException;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.spi.Ledger;
import io.sluice.spi.LedgerRefusedException;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.SplitState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code state: { postgres: ... }} in a pipeline file: found on the class path, validated, opened. */
class PostgresLedgerFactoryTest {
    @TempDir
    Path dir;

    @Test
    void aPipelineOpensItsPostgresLedgerWithThePasswordFromTheEnvironment() throws Exception {
        String url = TestPostgres.url(TestPostgres.server().getPort());
        Pipeline p = load("""
                postgres: { url: "%s", user: postgres, password: "${PGPASSWORD}", schema: factory }""".formatted(url), Map.of("PGPASSWORD", "unused-with-trust-auth"));

        try (Ledger ledger = Assembly.openLedger(p, Components.discover(), Clock.systemUTC())) {
            ledger.register(List.of(new Split("a", List.of(Member.whole("a.csv", "v1", null)), 1)));
            assertThat(ledger.counts()).containsOnly(entry(SplitState.PENDING, 1L));
            assertThat(ledger.toString()).isEqualTo("PostgreSQL ledger " + url + " (schema factory) (pipeline p)");
        }
    }

    @Test
    void aLedgerMayNameAConnectionOfTheConnectionsFile() throws Exception {
        String url = TestPostgres.url(TestPostgres.server().getPort());
        Files.writeString(dir.resolve("connections.yaml"), """
                ledger_db: { url: "%s", user: postgres, password: "${PGPASSWORD}", properties: { ApplicationName: from-profile } }
                """.formatted(url));
        Pipeline p = load(
                "postgres: { connection: ledger_db, schema: named }", Map.of("PGPASSWORD", "unused-ledger-password"));

        try (Ledger ledger = Assembly.openLedger(p, Components.discover(), Clock.systemUTC())) {
            ledger.register(List.of(new Split("a", List.of(Member.whole("a.csv", "v1", null)), 1)));
            assertThat(ledger.counts()).containsOnly(entry(SplitState.PENDING, 1L));
            assertThat(ledger.toString()).isEqualTo("PostgreSQL ledger " + url + " (schema named) (pipeline p)");
            try (var c = java.sql.DriverManager.getConnection(url, "postgres", "");
                    var rs = c.createStatement()
                            .executeQuery(
                                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'from-profile'")) {
                rs.next();
                assertThat(rs.getInt(1))
                        .as("the connection's driver properties reach the ledger's pool")
                        .isPositive();
            }
        }

        Pipeline both = load(
                "postgres: { connection: ledger_db, url: \"%s\" }".formatted(url),
                Map.of("PGPASSWORD", "unused-password"));
        assertThatThrownBy(() -> Assembly.openLedger(both, Components.discover(), Clock.systemUTC()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("state.postgres.url")
                .hasMessageContaining("write either `connection` or `url`");
        Pipeline neither = load("postgres: { schema: s }", Map.of());
        assertThatThrownBy(() -> Assembly.openLedger(neither, Components.discover(), Clock.systemUTC()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("write `url`")
                .hasMessageContaining("or `connection`");
    }

    /**
     * A server without SSL (the test server has none) refusing {@code sslmode=require} is a setting to change, named
     * where it is written; it was reported as the server unreachable, to wait for.
     */
    @Test
    void sslRefusedByTheServerIsASettingNamedWhereItIsWrittenNotAnOutage() throws Exception {
        String url = TestPostgres.url(TestPostgres.server().getPort());
        Pipeline inUrl = load("postgres: { url: \"%s?sslmode=require\", user: postgres }".formatted(url), Map.of());
        assertThatThrownBy(() -> Assembly.openLedger(inUrl, Components.discover(), Clock.systemUTC()))
                .isInstanceOf(io.sluice.spi.LedgerException.class)
                .hasMessageContaining("the server does not accept SSL, which this ledger's settings ask for")
                .hasMessageContaining(
                        "set sslmode to prefer or disable in the `sslmode` parameter of state.postgres.url")
                .hasMessageContaining("not an outage")
                .message()
                .doesNotContain("unreachable")
                .doesNotContain("once the server is back");

        Files.writeString(dir.resolve("connections.yaml"), """
                ledger_db: { url: "%s", user: postgres, properties: { sslmode: require } }
                """.formatted(url));
        Pipeline named = load("postgres: { connection: ledger_db }", Map.of());
        assertThatThrownBy(() -> Assembly.openLedger(named, Components.discover(), Clock.systemUTC()))
                .isInstanceOf(io.sluice.spi.LedgerException.class)
                .hasMessageContaining("in ledger_db.properties.sslmode in " + dir.resolve("connections.yaml"))
                .message()
                .doesNotContain("unreachable");
    }

    /** A refused login names the setting the password came from: here a driver property of the connection. */
    @Test
    void aRefusedLoginNamesWhereThePasswordCameFrom() throws Exception {
        String url = TestPostgres.url(TestPostgres.server().getPort());
        Files.writeString(dir.resolve("connections.yaml"), """
                ledger_db: { url: "%s", user: no_such_role, properties: { password: "${LEDGER_PW}" } }
                """.formatted(url));
        Pipeline p = load("postgres: { connection: ledger_db }", Map.of("LEDGER_PW", "pw-in-a-property"));
        assertThatThrownBy(() -> Assembly.openLedger(p, Components.discover(), Clock.systemUTC()))
                .as("no outage: a pool member stops on it rather than waiting")
                .isInstanceOf(io.sluice.spi.LedgerRefusedException.class)
                .hasMessageContaining("authentication failed for user no_such_role")
                .hasMessageContaining("check the user and the password of the connection 'ledger_db' in "
                        + dir.resolve("connections.yaml") + ": the password is ledger_db.properties.password")
                .message()
                .doesNotContain("state.postgres.password")
                .doesNotContain("pw-in-a-property");

        Pipeline inUrl =
                load("postgres: { url: \"%s?user=no_such_role&password=pw-in-the-url\" }".formatted(url), Map.of());
        assertThatThrownBy(() -> Assembly.openLedger(inUrl, Components.discover(), Clock.systemUTC()))
                .isInstanceOf(io.sluice.spi.LedgerException.class)
                .hasMessageContaining("the password in state.postgres.url (its `password` parameter)")
                .message()
                .doesNotContain("pw-in-the-url");
    }

    @Test
    void aWorkerWhoseClockIsOffTheServersIsRefusedBeforeItCanTakeOverLiveLocks() throws Exception {
        String url = TestPostgres.url(TestPostgres.server().getPort());
        Pipeline p = load("postgres: { url: \"%s\", user: postgres, schema: skew }".formatted(url), Map.of());
        // leases are measured by the workers' clocks: an output lock's lease is at most 30 s, renewed every third of it
        Duration lockLease = Duration.ofSeconds(30);
        Clock ahead = Clock.offset(Clock.systemUTC(), Duration.ofSeconds(35));

        try (Ledger inSync = Assembly.openLedger(p, Components.discover(), Clock.systemUTC())) {
            assertThat(inSync.lock("out/a", "in-sync", lockLease)).isPresent();

            assertThatThrownBy(() -> {
                        try (Ledger fast = Assembly.openLedger(p, Components.discover(), ahead)) {
                            assertThat(fast.lock("out/a", "fast", lockLease))
                                    .as("the live lock of a worker whose clock is right")
                                    .isEmpty();
                        }
                    })
                    .isInstanceOf(LedgerRefusedException.class)
                    .hasMessageMatching(
                            "(?s).*this machine's clock is 3[45](\\.\\d)? s ahead of the database server's.*")
                    .hasMessageContaining("state.postgres.max_clock_skew (5s)");
        }
        Pipeline tolerant = load(
                "postgres: { url: \"%s\", user: postgres, schema: skew, max_clock_skew: 1m }".formatted(url), Map.of());
        try (Ledger fast = Assembly.openLedger(tolerant, Components.discover(), ahead)) {
            assertThat(fast.counts())
                    .as("opened: the skew is within the bound given")
                    .isEmpty();
        }
    }

    @Test
    void badOptionsAreNamedWithTheirPath() throws Exception {
        assertThatThrownBy(() -> load("postgres: { url: \"jdbc:postgresql://h/db\", password: \"${NOPE}\" }", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("state.postgres.password")
                .hasMessageContaining("environment variable NOPE is not set");
        Pipeline p = load("postgres: { url: \"jdbc:mysql://h/db\", schema: \"Bad-Name\" }", Map.of());
        assertThatThrownBy(() -> Assembly.openLedger(p, Components.discover(), Clock.systemUTC()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("state.postgres.url")
                .hasMessageContaining("not a PostgreSQL JDBC url");
    }

    private Pipeline load(String state, Map<String, String> env) throws Exception {
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, """
                pipeline: p
                source: { files: { path: in } }
                sink: { files: { path: out } }
                state:
                  %s
                """.formatted(state));
        return new PipelineLoader(Components.discover(), env::get).load(file);
    }
}
