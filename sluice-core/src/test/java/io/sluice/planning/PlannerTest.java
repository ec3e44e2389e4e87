package io.sluice.planning;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.ledger.sqlite.SqliteLedger;
import io.sluice.spi.Ledger;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.source.KnownSplits;
import io.sluice.spi.source.Packing;
import io.sluice.spi.source.Proposal;
import io.sluice.spi.source.ReadContext;
import io.sluice.spi.source.Skipped;
import io.sluice.spi.source.Source;
import io.sluice.spi.source.SplitReader;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The framework's planning: register, settle races with other planners, preview, pack. */
class PlannerTest {
    @TempDir
    Path dir;

    private SqliteLedger ledger;

    @BeforeEach
    void open() {
        ledger = SqliteLedger.open(dir.resolve("ledger.db"), "planner", Clock.systemUTC());
    }

    @AfterEach
    void close() {
        ledger.close();
    }

    /** Inputs by name, each a unit packed {@code perPack} to a split; proposes those the view does not know. */
    private record Inputs(List<String> names, int perPack, boolean ordered) implements Source {
        @Override
        public Proposal propose(KnownSplits known) {
            Set<String> seen = known.members(names).keySet();
            List<Packing.Unit> units = new ArrayList<>();
            List<Skipped> skipped = new ArrayList<>();
            for (String n : names) {
                if (seen.contains(n)) skipped.add(Skipped.seen(n, null, "known"));
                else units.add(new Packing.Unit(new Split(n, List.of(Member.whole(n, "v1", null)), 10), "csv", null));
            }
            return new Proposal(
                    List.of(), units, new Packing(perPack, 1 << 30, 0, 1, false), skipped, List.of(), ordered);
        }

        @Override
        public Split pack(List<Split> units) {
            return new Split(
                    "pack:" + units.stream().map(Split::id).collect(Collectors.joining("+")),
                    units.stream().flatMap(u -> u.members().stream()).toList(),
                    10L * units.size());
        }

        @Override
        public SplitReader open(Split split, ReadContext context) {
            throw new UnsupportedOperationException();
        }
    }

    private static final List<String> SIX = List.of("a", "b", "c", "d", "e", "f");

    /** The ledger, with {@code rival} registered by another planner right before this one's first registration. */
    private Ledger rivalFirst(Split rival) {
        boolean[] done = {false};
        return (Ledger) java.lang.reflect.Proxy.newProxyInstance(
                Ledger.class.getClassLoader(), new Class<?>[] {Ledger.class}, (proxy, method, args) -> {
                    if (method.getName().equals("register") && !done[0]) {
                        done[0] = true;
                        assertThat(ledger.register(List.of(rival))).containsExactly(rival.id());
                    }
                    try {
                        return method.invoke(ledger, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static Split rival(String... names) {
        return new Split(
                "rival",
                java.util.Arrays.stream(names)
                        .map(n -> Member.whole(n, "v1", null))
                        .toList(),
                20);
    }

    private List<String> registeredMembers() {
        return ledger.known(SIX).values().stream()
                .map(k -> k.key() + "@" + k.splitId())
                .sorted()
                .toList();
    }

    @Test
    void whatARivalTookFirstIsLeftToItAndTheRestIsProposedAgain() throws Exception {
        // this planner packs {a,b} {c,d} {e,f}; the rival registered {b,c} in between
        Plan plan = new Planner(new Inputs(SIX, 2, false), rivalFirst(rival("b", "c"))).plan();
        assertThat(plan.splits()).extracting(Split::id).containsExactly("pack:e+f", "pack:a+d");
        assertThat(registeredMembers())
                .containsExactly("a@pack:a+d", "b@rival", "c@rival", "d@pack:a+d", "e@pack:e+f", "f@pack:e+f");
        assertThat(plan.skipped())
                .as("the second round's inputs seen are this plan's own or the rival's")
                .isEmpty();
    }

    @Test
    void orderedProposalsStopAtTheFirstRefusalAndAreProposedAgainFromThere() throws Exception {
        // splits that build on each other (a log's ranges): none is registered after a refused one in that round
        Plan plan = new Planner(new Inputs(SIX, 2, true), rivalFirst(rival("c"))).plan();
        assertThat(plan.splits()).extracting(Split::id).containsExactly("pack:a+b", "pack:d+e", "f");
        assertThat(registeredMembers()).hasSize(6);
    }

    @Test
    void aPreviewIsThePlanAndRegistersNothing() throws Exception {
        Inputs source = new Inputs(SIX, 4, false);
        Plan preview = new Planner(source, ledger).preview();
        assertThat(preview.splits()).extracting(Split::id).containsExactly("pack:a+b+c+d", "pack:e+f");
        assertThat(ledger.known(SIX)).isEmpty();
        assertThat(new Planner(source, ledger).plan().splits()).isEqualTo(preview.splits());
        assertThat(new Planner(source, ledger).preview().splits()).isEmpty();
        assertThat(new Planner(source, ledger).preview().skipped()).hasSize(6);
    }

    @Test
    void aNoticeIsGivenOnceUntilItChanges() throws Exception {
        String[] notice = {"nothing matches"};
        Source source = new Source() {
            @Override
            public Proposal propose(KnownSplits known) {
                return new Proposal(List.of(), List.of(), null, List.of(), List.of(notice[0]), false);
            }

            @Override
            public SplitReader open(Split split, ReadContext context) {
                throw new UnsupportedOperationException();
            }
        };
        Planner planner = new Planner(source, ledger);
        assertThat(planner.plan().notices()).containsExactly("nothing matches");
        assertThat(planner.plan().notices()).isEmpty();
        notice[0] = "something else";
        assertThat(planner.plan().notices()).containsExactly("something else");
        planner.said(List.of("told by the step check"));
        notice[0] = "told by the step check";
        assertThat(planner.plan().notices()).isEmpty();
    }

    @Test
    void packsFollowTheSourcesLimitsGroupsAndExclusiveKeys() {
        List<Packing.Unit> units = new ArrayList<>();
        for (String n : List.of("a", "b", "c"))
            units.add(new Packing.Unit(
                    new Split(n, List.of(Member.whole(n, "1", null)), 10), "csv", n.equals("b") ? "x" : null));
        units.add(new Packing.Unit(new Split("j", List.of(Member.whole("j", "1", null)), 10), "jsonl", null));
        units.add(new Packing.Unit(new Split("b2", List.of(new Member("b", "1", 10, 20, null)), 10), "csv", "x"));
        List<Split> packs = Packer.pack(units, new Packing(10, 25, 0, 1, false), new Inputs(List.of(), 0, false)::pack);
        // 25 bytes a pack: {a,b}, then c; the json file alone; b2 shares b's exclusive key but not its pack anyway
        assertThat(packs).extracting(Split::id).containsExactly("pack:a+b", "pack:c+b2", "j");
        List<Split> spread = Packer.pack(
                units.subList(0, 3), new Packing(10, 1000, 0, 3, true), new Inputs(List.of(), 0, false)::pack);
        assertThat(spread)
                .as("one pack per worker when there is little to do")
                .extracting(Split::id)
                .containsExactly("a", "b", "c");
        List<Split> exclusive = Packer.pack(
                List.of(units.get(1), units.get(4)),
                new Packing(10, 1000, 0, 1, false),
                new Inputs(List.of(), 0, false)::pack);
        assertThat(exclusive)
                .as("two ranges of one log never share a pack")
                .extracting(Split::id)
                .containsExactly("b", "b2");
    }
}
