package io.sluice.ledger.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.sluice.config.Secret;
import io.sluice.spi.LedgerException;
import io.sluice.spi.LedgerRefusedException;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.SplitState;
import io.sluice.testkit.RedisAdmin;
import io.sluice.testkit.ledger.MutableClock;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

/**
 * A Redis server that answers and refuses (a wrong or missing password, an ACL without the commands the ledger runs)
 * is a refusal, not an outage: the ledger throws {@link LedgerRefusedException}, on which a pool member stops instead
 * of waiting for ever, with a message that names the ledger and the setting to fix. The shared test server has no
 * password, so this class starts its own with {@code requirepass} and an ACL user.
 */
class RedisRefusalTest {
    private static final String PASSWORD = "ledger-pw-" + UUID.randomUUID();
    private static final String READER_PASSWORD = "reader-pw-" + UUID.randomUUID();
    private static final String NO_SELECT_PASSWORD = "noselect-pw-" + UUID.randomUUID();
    private static final Clock CLOCK = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private static RedisServer server;
    private static int port;

    @BeforeAll
    static void serverWithAPassword() throws IOException {
        port = TestRedis.freePort();
        server = RedisServer.newRedisServer()
                .port(port)
                .bind("127.0.0.1")
                .setting("save \"\"")
                .setting("requirepass " + PASSWORD)
                // a user that may log in and read, but not run the ledger's scripts
                .setting("user reader on >" + READER_PASSWORD + " ~* +@read +@connection +info")
                // a user that may run everything but choose a database, which a connection does first
                .setting("user noselect on >" + NO_SELECT_PASSWORD + " ~* +@all -select")
                .build();
        server.start();
    }

    @AfterAll
    static void stopServer() {
        TestRedis.stop(server);
    }

    @Test
    void theRightPasswordOpensTheLedger() {
        try (RedisLedger ledger = RedisLedger.open(config(PASSWORD).withKeyPrefix("right"), "p", CLOCK)) {
            ledger.register(List.of(split()));
            assertThat(ledger.claim("w1", Duration.ofMinutes(1))).isPresent();
            assertThat(ledger.counts()).containsOnly(entry(SplitState.CLAIMED, 1L));
        }
    }

    @Test
    void aWrongPasswordIsRefusedWithTheLedgerAndTheSettingToFix() {
        String wrong = "wrong-pw-" + UUID.randomUUID();
        assertThatThrownBy(() -> RedisLedger.open(config(wrong), "p", CLOCK))
                .as("WRONGPASS: no wait makes it work, so a pool member stops on it")
                .isInstanceOf(LedgerRefusedException.class)
                .hasMessageStartingWith("Redis ledger redis://127.0.0.1:" + port + "/0 (key prefix sluice): cannot ")
                .hasMessageContaining("authentication failed; check the password (state.redis.password or the url's "
                        + "user:password)")
                .message()
                .doesNotContain(wrong)
                .doesNotContain("unreachable");
    }

    @Test
    void noPasswordIsRefusedAndSaysToSetOne() {
        assertThatThrownBy(() -> RedisLedger.open(config(null), "p", CLOCK))
                .as("NOAUTH")
                .isInstanceOf(LedgerRefusedException.class)
                .hasMessageStartingWith("Redis ledger redis://127.0.0.1:" + port + "/0 (key prefix sluice): cannot ")
                .hasMessageContaining("state.redis.password")
                .message()
                .doesNotContain("unreachable");
    }

    @Test
    void aUserWithoutTheLedgersCommandsIsRefused() {
        RedisConfig reader = RedisConfig.of("redis://reader:" + READER_PASSWORD + "@127.0.0.1:" + port + "/0");
        assertThatThrownBy(() -> RedisLedger.open(reader, "p", CLOCK))
                .as("NOPERM: an ACL lacks a command the ledger runs")
                .isInstanceOf(LedgerRefusedException.class)
                .hasMessageStartingWith(
                        "Redis ledger redis://reader:***@127.0.0.1:" + port + "/0 (key prefix sluice): " + "cannot ")
                .hasMessageContaining("NOPERM")
                .message()
                .doesNotContain(READER_PASSWORD);
    }

    @Test
    void aUserRefusedTheDatabaseAtConnectIsRefusedNotUnreachable() {
        RedisConfig noSelect = RedisConfig.of("redis://noselect:" + NO_SELECT_PASSWORD + "@127.0.0.1:" + port + "/1");
        assertThatThrownBy(() -> RedisLedger.open(noSelect, "p", CLOCK))
                .as("NOPERM on the connection's SELECT, wrapped in a connection error: no wait makes it work")
                .isInstanceOf(LedgerRefusedException.class)
                .hasMessageStartingWith(
                        "Redis ledger redis://noselect:***@127.0.0.1:" + port + "/1 (key prefix " + "sluice): cannot ")
                .hasMessageContaining("NOPERM")
                .message()
                .doesNotContain("unreachable")
                .doesNotContain(NO_SELECT_PASSWORD);
    }

    /**
     * The password is rotated on the server and the ledger's connections are dropped, as under running workers: the
     * next call reconnects with the old password and is refused, not reported as an outage to wait out.
     */
    @Test
    void aPasswordRotatedUnderAnOpenLedgerIsARefusal() throws Exception {
        String rotated = "rotated-pw-" + UUID.randomUUID();
        try (RedisLedger ledger = RedisLedger.open(
                config(PASSWORD).withKeyPrefix("rotated").withTimeout(Duration.ofSeconds(2)), "p", CLOCK)) {
            ledger.register(List.of(split()));
            try {
                RedisAdmin.rotatePassword(port, PASSWORD, rotated);

                assertThat(firstRefusal(ledger))
                        .hasMessageContaining("Redis ledger redis://127.0.0.1:" + port + "/0 (key prefix rotated): "
                                + "cannot claim a split")
                        .hasMessageContaining("check the password");
            } finally {
                RedisAdmin.command(port, rotated, "CONFIG", "SET", "requirepass", PASSWORD);
            }
        }
    }

    /**
     * Claims as a pool member does, riding out what looks like an outage (the call the server's kill cut off), until
     * a call is refused: returns that refusal. Redisson reconnects with the old password meanwhile.
     */
    private static LedgerRefusedException firstRefusal(RedisLedger ledger) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                ledger.claim("w1", Duration.ofMinutes(1));
                throw new AssertionError("a claim succeeded after the password was rotated");
            } catch (LedgerRefusedException e) {
                return e;
            } catch (LedgerException e) {
                if (attempt == 20) throw new AssertionError("still no refusal after 20 attempts", e);
                Thread.sleep(250);
            }
        }
    }

    private static RedisConfig config(String password) {
        RedisConfig url = RedisConfig.of("redis://127.0.0.1:" + port + "/0");
        return new RedisConfig(
                url.url(),
                password == null ? null : Secret.of(password),
                url.keyPrefix(),
                Optional.empty(),
                Duration.ofSeconds(2));
    }

    private static Split split() {
        return new Split("a", List.of(Member.whole("a.csv", "v1", null)), 1);
    }
}
