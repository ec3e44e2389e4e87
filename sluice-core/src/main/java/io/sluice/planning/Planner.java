package io.sluice.planning;

import io.sluice.config.Options;
import io.sluice.spi.KnownMember;
import io.sluice.spi.Ledger;
import io.sluice.spi.Split;
import io.sluice.spi.SplitState;
import io.sluice.spi.source.KnownSplits;
import io.sluice.spi.source.Proposal;
import io.sluice.spi.source.Skipped;
import io.sluice.spi.source.Source;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Plans a source's work: asks it to propose splits from a read-only view of the ledger, packs the units it asks to be
 * packed ({@link Packer}), and registers the result. Planners may race (several processes, a pool whose leader
 * changed): the ledger refuses a split another planner registered first, and the source is then asked again with a
 * fresh view, so that each input is registered once. A {@link #preview} is the same proposal, packed, not registered.
 *
 * <p>One planner per run: it remembers the notices it gave, so a watch run that lists every interval says a thing
 * once, and again when it changes.
 */
public final class Planner {
    /** Rounds of "register, collect the refused, propose again" before the rest is left to the next plan. */
    private static final int MAX_ROUNDS = 5;

    /** The inputs already registered that a plan lists by name; more are only counted ({@link Tally}). */
    static final int SEEN_KEPT = 1_000;

    private final Source source;
    /** The pipeline's source block, whose kind each plan checks against the ledger's newest split; null: none. */
    private final Options.Selected declared;

    private final Ledger ledger;
    private final KnownSplits view;
    private Set<String> said = Set.of();

    /** A planner that does not check the source's kind against the ledger's (a source made without a pipeline). */
    public Planner(Source source, Ledger ledger) {
        this(source, null, ledger);
    }

    /**
     * A planner of the pipeline's source, declared by {@code declared}: each plan and preview first refuses a ledger
     * whose newest split is another source kind's ({@link SourceKinds#check}).
     */
    public Planner(Source source, Options.Selected declared, Ledger ledger) {
        this.source = source;
        this.declared = declared;
        this.ledger = ledger;
        this.view = view(ledger);
    }

    private void checkKind() {
        if (declared != null) SourceKinds.discover().check(view, declared);
    }

    /**
     * What a run would register now, registering nothing ({@code sluice plan}, {@code sluice head}). A split a later
     * batch proposes again (a pack planned again for changed files in two batches) is counted once, as a plan would
     * register it once.
     */
    public Plan preview() throws IOException {
        checkKind();
        Map<String, Split> splits = new java.util.LinkedHashMap<>();
        Tally tally = new Tally();
        Set<String> notices = new LinkedHashSet<>();
        source.propose(view, p -> {
            packed(p).forEach(s -> splits.putIfAbsent(s.id(), s));
            p.skipped().forEach(tally::add);
            notices.addAll(p.notices());
        });
        return tally.plan(List.copyOf(splits.values()), List.copyOf(notices));
    }

    /**
     * Proposes, registers each batch as the source proposes it, and proposes again while another planner took some of
     * the proposal first. The inputs left out are those of the first proposal (a later round adds only new reasons,
     * not what this plan or a rival registered meanwhile); notices the previous plan gave are not repeated.
     */
    public synchronized Plan plan() throws IOException {
        checkKind();
        List<Split> registered = new ArrayList<>();
        Tally tally = new Tally();
        Set<String> notices = new LinkedHashSet<>();
        for (int round = 0; round < MAX_ROUNDS; round++) {
            boolean first = round == 0;
            boolean[] refused = {false};
            source.propose(view, p -> {
                for (Skipped s : p.skipped()) if (first || s.why() != Skipped.Why.SEEN) tally.add(s);
                notices.addAll(p.notices());
                List<Split> planned = packed(p);
                List<Split> accepted = register(planned, p.ordered(), p.follows());
                source.registered(accepted);
                registered.addAll(accepted);
                if (accepted.size() < planned.size()) refused[0] = true;
            });
            if (!refused[0]) break;
        }
        List<String> fresh = notices.stream().filter(n -> !said.contains(n)).toList();
        said = notices;
        return tally.plan(registered, fresh);
    }

    /** Notices told by other means (a run's step check said why it had no sample): the next plan does not repeat them. */
    public synchronized void said(Collection<String> notices) {
        Set<String> all = new LinkedHashSet<>(said);
        all.addAll(notices);
        said = all;
    }

    /** Lines about the source for {@code sluice status}. */
    public List<String> status() throws IOException {
        return source.status(view);
    }

    private List<Split> packed(Proposal p) {
        if (p.units().isEmpty()) return p.splits();
        List<Split> all = new ArrayList<>(p.splits());
        all.addAll(Packer.pack(p.units(), p.packing(), source::pack));
        return all;
    }

    /** The splits the ledger took; ordered: one at a time, stopping at the first refused (later ones build on it). */
    private List<Split> register(List<Split> planned, boolean ordered, Map<String, String> follows) {
        if (planned.isEmpty()) return List.of();
        if (!ordered) {
            Set<String> ids = new HashSet<>(ledger.register(planned, follows));
            return planned.stream().filter(s -> ids.contains(s.id())).toList();
        }
        List<Split> accepted = new ArrayList<>();
        for (Split split : planned) {
            if (ledger.register(List.of(split), follows).isEmpty()) break;
            accepted.add(split);
        }
        return accepted;
    }

    /**
     * The inputs a plan left out, each once: every one that waits or was skipped by a rule, but of those already
     * registered ({@link Skipped.Why#SEEN}, most of a large bucket) only the first {@value #SEEN_KEPT}, the rest
     * counted, so that a plan's memory does not grow with the inputs already processed.
     */
    private static final class Tally {
        private final Set<String> reported = new HashSet<>();
        private final List<Skipped> kept = new ArrayList<>();
        private long seen;
        private long processed;

        void add(Skipped s) {
            if (s.why() != Skipped.Why.SEEN) {
                if (reported.add(s.key())) kept.add(s);
                return;
            }
            seen++;
            if (s.split() == SplitState.DONE) processed++;
            if (seen <= SEEN_KEPT) kept.add(s);
        }

        Plan plan(List<Split> splits, List<String> notices) {
            return new Plan(splits, kept, notices, seen, processed);
        }
    }

    /** The ledger, read-only. */
    public static KnownSplits view(Ledger ledger) {
        return new KnownSplits() {
            @Override
            public Map<String, KnownMember> members(Collection<String> keys) {
                return ledger.known(keys);
            }

            @Override
            public Map<String, KnownMember> latestDone(Collection<String> keys) {
                return ledger.latestDone(keys);
            }

            @Override
            public Optional<String> digestOwner(String digest) {
                return ledger.digestOwner(digest);
            }

            @Override
            public Optional<Split> split(String splitId) {
                return ledger.split(splitId);
            }

            @Override
            public Map<String, Split> splits(Collection<String> splitIds) {
                return ledger.splits(splitIds);
            }

            @Override
            public Optional<String> newestSplit() {
                return ledger.newestSplit();
            }
        };
    }
}
