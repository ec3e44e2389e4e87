package io.sluice.ledger.dynamodb;

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code state: { dynamodb: ... }} in a pipeline file: found on the class path, validated, opened. */
class DynamoDbLedgerFactoryTest {
    @TempDir
    Path dir;

    // the factory takes credentials from the AWS default chain, whose second link is these system properties
    @BeforeEach
    void credentials() {
        System.setProperty("aws.accessKeyId", "test");
        System.setProperty("aws.secretAccessKey", "test");
    }

    @AfterEach
    void noCredentials() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    @Test
    void aPipelineOpensItsDynamoDbLedger() throws Exception {
        String endpoint = TestDynamo.endpoint(TestDynamo.port()).toString();
        Pipeline p = load("dynamodb: { table: factory-ledger, region: eu-west-1, endpoint: \"" + endpoint + "\" }");

        try (Ledger ledger = Assembly.openLedger(p, Components.discover(), Clock.systemUTC())) {
            ledger.register(List.of(new Split("a", List.of(Member.whole("a.csv", "v1", null)), 1)));
            assertThat(ledger.counts()).containsOnly(entry(SplitState.PENDING, 1L));
            assertThat(ledger.toString())
                    .isEqualTo(
                            "DynamoDB ledger table factory-ledger (eu-west-1, endpoint " + endpoint + ") (pipeline p)");
        }
    }

    @Test
    void aWorkerWhoseClockIsOffDynamoDbsIsRefused() throws Exception {
        String endpoint = TestDynamo.endpoint(TestDynamo.port()).toString();
        Clock behind = Clock.offset(Clock.systemUTC(), Duration.ofSeconds(-35));
        Pipeline p = load("dynamodb: { table: skew-ledger, region: eu-west-1, endpoint: \"" + endpoint + "\" }");

        try (Ledger inSync = Assembly.openLedger(p, Components.discover(), Clock.systemUTC())) {
            assertThat(inSync.counts()).as("opened: its clock is DynamoDB's").isEmpty();
        }
        assertThatThrownBy(() -> Assembly.openLedger(p, Components.discover(), behind))
                .isInstanceOf(LedgerRefusedException.class)
                .hasMessageMatching("(?s).*this machine's clock is 3[45](\\.\\d)? s behind DynamoDB's.*")
                .hasMessageContaining("state.dynamodb.max_clock_skew (5s)");
        Pipeline tolerant = load("dynamodb: { table: skew-ledger, region: eu-west-1, endpoint: \"" + endpoint
                + "\", max_clock_skew: 1m }");
        try (Ledger slow = Assembly.openLedger(tolerant, Components.discover(), behind)) {
            assertThat(slow.counts())
                    .as("opened: the skew is within the bound given")
                    .isEmpty();
        }
    }

    @Test
    void badOptionsAreNamedWithTheirPath() throws Exception {
        assertThatThrownBy(() -> load("dynamodb: { table: t }"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("state.dynamodb.region")
                .hasMessageContaining("missing required option");
        Pipeline p = load("dynamodb: { table: \"a b\", region: eu-west-1 }");
        assertThatThrownBy(() -> Assembly.openLedger(p, Components.discover(), Clock.systemUTC()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("state.dynamodb.table")
                .hasMessageContaining("not a DynamoDB table name");
    }

    private Pipeline load(String state) throws Exception {
        Path file = dir.resolve("p.yaml");
        Files.writeString(file, """
                pipeline: p
                source: { files: { path: in } }
                sink: { files: { path: out } }
                state:
                  %s
                """.formatted(state));
        return new PipelineLoader(Components.discover(), Map.<String, String>of()::get).load(file);
    }
}
