package io.sluice.kubernetes.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.Ledger;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The query the generated KEDA ScaledObject runs, run as KEDA's PostgreSQL scaler would (one statement, one number)
 * against a real PostgreSQL holding a real ledger: it counts the splits a pool has to work on, claimable or in flight.
 */
class ScalingQueryTest {
    private static EmbeddedPostgres server;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        server = EmbeddedPostgres.builder().setServerConfig("fsync", "off").start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void theTriggerCountsClaimableAndInFlightSplitsOfItsPipelineOnly() throws Exception {
        Pipeline orders = pipeline("orders");
        Manifests.Generated g = Manifests.generate(
                PipelineFacts.of(orders), GenerateOptions.of(GenerateOptions.Mode.POOL, "sluice:1", "data"));
        var scaled = (io.fabric8.kubernetes.api.model.GenericKubernetesResource) g.objects().stream()
                .filter(o -> o.getKind().equals("ScaledObject"))
                .findFirst()
                .orElseThrow();
        Map<?, ?> trigger = (Map<?, ?>)
                ((List<?>) ((Map<?, ?>) scaled.getAdditionalProperties().get("spec")).get("triggers")).getFirst();
        // the generated trigger's query, as written into the ScaledObject
        String query = (String) ((Map<?, ?>) trigger.get("metadata")).get("query");
        assertThat(query).contains("\"keda\".splits", "pipeline = 'orders'");

        try (Ledger ledger = Assembly.openLedger(orders, Components.discover(), Clock.systemUTC());
                Ledger other = Assembly.openLedger(pipeline("other"), Components.discover(), Clock.systemUTC())) {
            assertThat(count(query)).isZero();
            ledger.register(List.of(split("a"), split("b"), split("c"), split("d"), split("e"), split("f")));
            other.register(List.of(split("x"), split("y")));
            assertThat(count(query)).as("pending").isEqualTo(6);

            Claim a = claim(ledger, "a");
            assertThat(count(query)).as("a claimed: in flight, still counted").isEqualTo(6);
            ledger.complete(a, new Completion(1, 1, 0, List.of(), orders.version()));
            assertThat(count(query)).as("a done").isEqualTo(5);

            ledger.fail(claim(ledger, "b"), "boom", Optional.of(Instant.now().plus(Duration.ofHours(1))));
            assertThat(count(query)).as("b failed, its retry an hour away").isEqualTo(4);

            ledger.fail(claim(ledger, "c"), "boom", Optional.of(Instant.now().minusSeconds(1)));
            assertThat(count(query)).as("c failed, its retry due").isEqualTo(4);

            ledger.fail(claim(ledger, "d"), "boom", Optional.empty());
            assertThat(count(query)).as("d dead").isEqualTo(3);
        }
    }

    private static Claim claim(Ledger ledger, String id) {
        return ledger.claim(id, "w1", Duration.ofMinutes(1)).orElseThrow();
    }

    private static Split split(String id) {
        return new Split(id, List.of(Member.whole(id + ".csv", "v1", null)), 1);
    }

    private static long count(String query) throws Exception {
        try (Connection c = server.getPostgresDatabase().getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private Pipeline pipeline(String name) throws Exception {
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, """
                pipeline: %s
                source: { files: { path: "s3://in/" } }
                sink: { files: { path: "s3://out/" } }
                state:
                  postgres: { url: "jdbc:postgresql://127.0.0.1:%d/postgres", user: postgres, password: "${PGPASSWORD}", schema: keda }
                """.formatted(name, server.getPort()));
        return new PipelineLoader(Components.discover(), Map.of("PGPASSWORD", "trust-auth-needs-none")::get).load(file);
    }
}
