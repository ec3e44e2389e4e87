package io.sluice.ledger.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.StaleClaimException;
import io.sluice.testkit.ledger.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Random claims, heartbeats, ends, expiries and replays by workers with skewed clocks, checked against a model. */
class RedisClaimModelTest {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final long[] SKEW = {0, 2_000, -2_000};

    private final List<RedisLedger> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(RedisLedger::close);
    }

    /** The model of one split. */
    static final class Modelled {
        String state = "pending";
        long token;
        long lease;
        long retry;
    }

    /**
     * Each step is one script, so a random sequence of single calls covers what racing workers can do to each other;
     * the clocks of the three workers are seconds apart, as {@code max_clock_skew} allows. The model says which split
     * is claimable by the calling worker's clock: a claim must grant one exactly when some split is (none lost, none
     * granted while its lease runs), and a stale token must never end or renew a claim. Each round starts after a
     * reset, with the same split ids registered again: the claims of the rounds before stay in play, always stale.
     */
    @Test
    void randomCallsOfWorkersWithSkewedClocksAgreeWithTheModel() throws Exception {
        RedisConfig config = TestRedis.freshPrefix();
        MutableClock[] clocks = new MutableClock[SKEW.length];
        RedisLedger[] ledgers = new RedisLedger[SKEW.length];
        for (int i = 0; i < SKEW.length; i++) {
            clocks[i] = new MutableClock(T0.plusMillis(SKEW[i]));
            ledgers[i] = RedisLedger.open(config, "p", clocks[i]);
            opened.add(ledgers[i]);
        }
        List<Claim> claims = new ArrayList<>();
        for (int seed = 0; seed < 4; seed++) { // seed 1 already finds a lease a fast clock moved not put back
            ledgers[0].reset();
            run(new Random(seed), "seed " + seed, clocks, ledgers, claims);
        }
    }

    private static void run(Random r, String name, MutableClock[] clocks, RedisLedger[] ledgers, List<Claim> claims)
            throws Exception {
        int n = 12;
        List<Split> splits = new ArrayList<>();
        Map<String, Modelled> model = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String id = "s" + i;
            splits.add(new Split(id, List.of(Member.whole(id + ".csv", "v1", null)), 10));
            model.put(id, new Modelled());
        }
        ledgers[0].register(splits);
        for (int step = 0; step < 400; step++) {
            int w = r.nextInt(SKEW.length);
            RedisLedger l = ledgers[w];
            long now = clocks[w].millis();
            String where = name + " step " + step + " worker " + w;
            int op = r.nextInt(10);
            if (op <= 1) {
                Optional<Claim> c = l.claim("w" + w, LEASE);
                boolean any = model.values().stream().anyMatch(s -> claimable(s, now));
                assertThat(c.isPresent())
                        .as(where + " claim, model claimable=" + any)
                        .isEqualTo(any);
                c.ifPresent(cl -> granted(model, cl, now, where, claims));
            } else if (op == 2) {
                String id = "s" + r.nextInt(n);
                Optional<Claim> c = l.claim(id, "w" + w, LEASE);
                assertThat(c.isPresent()).as(where + " claim " + id).isEqualTo(claimable(model.get(id), now));
                c.ifPresent(cl -> granted(model, cl, now, where, claims));
            } else if (op == 3 && !claims.isEmpty()) {
                Claim c = claims.get(r.nextInt(claims.size()));
                Modelled s = model.get(c.splitId());
                boolean cur = s.state.equals("claimed") && s.token == c.token();
                assertThat(l.heartbeat(c, LEASE)).as(where + " heartbeat").isEqualTo(cur);
                if (cur) s.lease = now + LEASE.toMillis();
            } else if (op == 4 && !claims.isEmpty()) {
                Claim c = claims.get(r.nextInt(claims.size()));
                Modelled s = model.get(c.splitId());
                boolean ok = (s.state.equals("claimed") || s.state.equals("done")) && s.token == c.token();
                boolean done;
                try {
                    l.complete(c, new Completion(1, 1, 0, List.of(), "v1"));
                    done = true;
                } catch (StaleClaimException e) {
                    done = false;
                }
                assertThat(done).as(where + " complete").isEqualTo(ok);
                if (ok) s.state = "done";
            } else if (op == 5 && !claims.isEmpty()) {
                Claim c = claims.get(r.nextInt(claims.size()));
                Modelled s = model.get(c.splitId());
                boolean cur = s.state.equals("claimed") && s.token == c.token();
                boolean repeat = s.state.equals("failed") && s.token == c.token();
                long at = now + r.nextInt(20_000);
                boolean failed;
                try {
                    l.fail(c, "x", Optional.of(Instant.ofEpochMilli(at)));
                    failed = true;
                } catch (StaleClaimException e) {
                    failed = false;
                }
                assertThat(failed).as(where + " fail").isEqualTo(cur || repeat);
                if (cur) {
                    s.state = "failed";
                    s.retry = at;
                }
            } else if (op == 6 && !claims.isEmpty()) {
                Claim c = claims.get(r.nextInt(claims.size()));
                Modelled s = model.get(c.splitId());
                l.release(c);
                if (s.state.equals("claimed") && s.token == c.token()) s.state = "pending";
            } else if (op == 7 && !claims.isEmpty()) {
                Claim c = claims.get(r.nextInt(claims.size()));
                Modelled s = model.get(c.splitId());
                boolean cur = s.state.equals("claimed") && s.token == c.token();
                assertThat(l.expire(c.splitId(), c.token()))
                        .as(where + " expire")
                        .isEqualTo(cur);
                if (cur) s.lease = Math.min(s.lease, now);
            } else if (op == 8 && r.nextInt(4) == 0) {
                List<String> ids = List.of("s" + r.nextInt(n));
                int back = l.replay(ids);
                Modelled s = model.get(ids.getFirst());
                assertThat(back).as(where + " replay").isEqualTo(s.state.equals("done") ? 1 : 0);
                if (back == 1) s.state = "pending";
            } else {
                Duration d = Duration.ofMillis(r.nextInt(15_000));
                for (MutableClock c : clocks) c.advance(d);
            }
        }
    }

    private static boolean claimable(Modelled s, long now) {
        return s.state.equals("pending")
                || (s.state.equals("claimed") && s.lease <= now)
                || (s.state.equals("failed") && s.retry <= now);
    }

    private static void granted(Map<String, Modelled> model, Claim c, long now, String where, List<Claim> claims) {
        Modelled s = model.get(c.splitId());
        assertThat(claimable(s, now))
                .as(where + " granted " + c.splitId() + " in " + s.state)
                .isTrue();
        // above every earlier grant of the id, those before a reset too (the model forgot them; the list did not)
        assertThat(claims)
                .filteredOn(earlier -> earlier.splitId().equals(c.splitId()))
                .allSatisfy(
                        earlier -> assertThat(c.token()).as(where + " token").isGreaterThan(earlier.token()));
        s.state = "claimed";
        s.token = c.token();
        s.lease = now + LEASE.toMillis();
        claims.add(c);
    }
}
