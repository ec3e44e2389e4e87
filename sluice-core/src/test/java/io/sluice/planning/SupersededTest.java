package io.sluice.planning;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.ledger.memory.MemoryLedger;
import io.sluice.runner.RunSummary;
import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import io.sluice.spi.SplitState;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which dead splits a newer, done version of their inputs replaced: the ledger's records decide it. */
class SupersededTest {
    private final MemoryLedger ledger = MemoryLedger.open("p", Clock.systemUTC());

    @Test
    void aDeadVersionIsReplacedOnceANewerVersionOfEachInputIsDone() throws Exception {
        done(version("a.csv", "v1"));
        dead(version("a.csv", "v2"));
        assertThat(Superseded.of(ledger))
                .as("its input's newest version is the dead one")
                .isEmpty();

        Split v3 = version("a.csv", "v3");
        ledger.register(List.of(v3));
        assertThat(Superseded.of(ledger))
                .as("a newer version not done yet replaces nothing")
                .isEmpty();

        done(v3);
        assertThat(Superseded.of(ledger)).singleElement().satisfies(r -> {
            assertThat(r.split().id()).isEqualTo("a.csv@v2");
            assertThat(r.by()).containsExactly("a.csv@v3");
        });
        assertThat(Superseded.ended(ledger, ledger.counts()).replaced()).isEqualTo(1);
    }

    @Test
    void aLaterOutputThatStaysBesideADeadOneDoesNotReplaceIt() throws Exception {
        // the next chunk of a tailed log: another range of the same key and version, whose output stays beside
        dead(chunk(0, 10));
        done(chunk(10, 20));
        assertThat(Superseded.of(ledger)).isEmpty();
        assertThat(Superseded.ended(ledger, ledger.counts()).replaced()).isZero();
    }

    /**
     * A run's end counts its dead splits from the listing it finds the replaced ones in: with the count from a read
     * before (here: b.csv@v1 not dead yet), a split that died and was replaced in between cancelled a.csv@v1, dead and
     * not replaced, and the run exited 0.
     */
    @Test
    void aRunsEndCountsDeadAndReplacedFromOneListing() throws Exception {
        dead(version("a.csv", "v1"));
        Map<SplitState, Long> before = ledger.counts();
        dead(version("b.csv", "v1"));
        done(version("b.csv", "v2"));

        Superseded.Ended ended = Superseded.ended(ledger, before);
        assertThat(ended.counts()).containsEntry(SplitState.DEAD, 2L);
        assertThat(ended.replaced()).isEqualTo(1);
        RunSummary summary = new RunSummary(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false, ended.counts(), ended.replaced());
        assertThat(summary.dead()).as("a.csv@v1 is left to do").isEqualTo(1);
        assertThat(summary.exitCode()).isEqualTo(RunSummary.SOME_DEAD);
    }

    private static Split version(String key, String version) {
        return new Split(
                key + "@" + version,
                List.of(Member.whole(key, version, null)),
                1,
                null,
                new OutputKey(key, version, 0, Member.WHOLE));
    }

    private static Split chunk(long start, long end) {
        return new Split(
                "log#" + start,
                List.of(new Member("log", "f", start, end, null)),
                end - start,
                null,
                new OutputKey("log", "f", start, end));
    }

    private void done(Split s) throws Exception {
        ledger.register(List.of(s));
        ledger.complete(claim(s), new Completion(1, 1, 0, List.of(), "v1"));
    }

    private void dead(Split s) throws Exception {
        ledger.register(List.of(s));
        ledger.fail(claim(s), "refused", Optional.empty());
    }

    private Claim claim(Split s) {
        return ledger.claim(s.id(), "me", Duration.ofMinutes(1)).orElseThrow();
    }
}
