package io.sluice.ledger.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.LedgerException;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.SplitState;
import io.sluice.testkit.ledger.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DynamoDB goes away mid-use and comes back on the same port: calls fail clearly, then work again. */
class DynamoDbOutageTest {
    private static final Duration LEASE = Duration.ofMinutes(1);

    @TempDir
    Path dir;

    @Test
    void aLedgerSurvivesAnOutageAndNeverGrantsASplitTwice() throws Exception {
        int port = TestDynamo.freePort();
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        DynamoDbConfig config = DynamoDbConfig.of("outage", "us-east-1", TestDynamo.endpoint(port))
                .withTimeout(Duration.ofSeconds(2));
        DynamoDBProxyServer server = TestDynamo.start(port, dir);
        // the table made first without the short timeout: a fresh DynamoDB Local on a busy machine creates it slowly
        DynamoDbLedger.open(config.withTimeout(Duration.ofMinutes(1)), "p", clock, TestDynamo.CREDENTIALS)
                .close();
        try (DynamoDbLedger ledger = DynamoDbLedger.open(config, "p", clock, TestDynamo.CREDENTIALS)) {
            ledger.register(
                    IntStream.range(0, 20).mapToObj(DynamoDbOutageTest::split).toList());
            Claim held = ledger.claim("w1", LEASE).orElseThrow();

            TestDynamo.stop(server);

            assertThatThrownBy(() -> ledger.claim("w2", LEASE))
                    .isInstanceOf(LedgerException.class)
                    .hasMessageContaining("DynamoDB ledger table outage (us-east-1, endpoint http://127.0.0.1:" + port
                            + "): cannot claim a split")
                    .hasMessageContaining("check the region, the endpoint and the network")
                    .as("an outage, which a pool member waits out")
                    .isNotInstanceOf(io.sluice.spi.LedgerRefusedException.class);
            assertThatThrownBy(() -> ledger.complete(held, new Completion(1, 1, 0, List.of(), "v1")))
                    .isInstanceOf(LedgerException.class)
                    .hasMessageContaining("cannot record a completed split");

            server = TestDynamo.start(port, dir);

            List<Claim> claims = new ArrayList<>();
            for (Optional<Claim> c; (c = ledger.claim("w2", LEASE)).isPresent(); ) claims.add(c.get());
            Set<String> ids = new HashSet<>();
            claims.forEach(c -> ids.add(c.splitId()));
            assertThat(claims).as("every split but the held one, each once").hasSize(19);
            assertThat(ids).hasSize(19).doesNotContain(held.splitId());
            assertThat(ledger.isCurrent(held))
                    .as("the claim from before the outage still holds")
                    .isTrue();
            ledger.complete(held, new Completion(1, 1, 0, List.of(), "v1"));
            for (Claim c : claims) ledger.complete(c, new Completion(1, 1, 0, List.of(), "v1"));
            assertThat(ledger.counts()).containsOnly(entry(SplitState.DONE, 20L));
        } finally {
            TestDynamo.stop(server);
        }
    }

    private static Split split(int i) {
        return new Split("s" + i, List.of(Member.whole("s" + i + ".csv", "v1", null)), 10);
    }
}
