package io.sluice.planning;

import io.sluice.spi.KnownMember;
import io.sluice.spi.Ledger;
import io.sluice.spi.Split;
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

    private final Source source;
    private final Ledger ledger;
    private final KnownSplits view;
    private Set<String> said = Set.of();

    public Planner(Source source, Ledger ledger) {
        this.source = source;
        this.ledger = ledger;
        this.view = view(ledger);
    }

    /** What a run would register now, registering nothing ({@code sluice plan}, {@code sluice head}). */
    public Plan preview() throws IOException {
        Proposal p = source.propose(view);
        return new Plan(packed(p), p.skipped(), p.notices());
    }

    /**
     * Proposes, registers, and proposes again while another planner took some of the proposal first. The inputs left
     * out are those of the first proposal (a later round adds only new reasons, not what this plan or a rival
     * registered meanwhile); notices the previous plan gave are not repeated.
     */
    public synchronized Plan plan() throws IOException {
        List<Split> registered = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        Set<String> reported = new HashSet<>();
        Set<String> notices = new LinkedHashSet<>();
        for (int round = 0; round < MAX_ROUNDS; round++) {
            Proposal p = source.propose(view);
            for (Skipped s : p.skipped()) {
                if ((round == 0 || s.why() != Skipped.Why.SEEN) && reported.add(s.key())) skipped.add(s);
            }
            notices.addAll(p.notices());
            List<Split> planned = packed(p);
            List<Split> accepted = register(planned, p.ordered());
            source.registered(accepted);
            registered.addAll(accepted);
            if (accepted.size() == planned.size()) break;
        }
        List<String> fresh = notices.stream().filter(n -> !said.contains(n)).toList();
        said = notices;
        return new Plan(registered, skipped, fresh);
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
    private List<Split> register(List<Split> planned, boolean ordered) {
        if (planned.isEmpty()) return List.of();
        if (!ordered) {
            Set<String> ids = new HashSet<>(ledger.register(planned));
            return planned.stream().filter(s -> ids.contains(s.id())).toList();
        }
        List<Split> accepted = new ArrayList<>();
        for (Split split : planned) {
            if (ledger.register(List.of(split)).isEmpty()) break;
            accepted.add(split);
        }
        return accepted;
    }

    /** The ledger, read-only. */
    public static KnownSplits view(Ledger ledger) {
        return new KnownSplits() {
            @Override
            public Map<String, KnownMember> members(Collection<String> keys) {
                return ledger.known(keys);
            }

            @Override
            public Optional<String> digestOwner(String digest) {
                return ledger.digestOwner(digest);
            }

            @Override
            public Optional<Split> split(String splitId) {
                return ledger.split(splitId);
            }
        };
    }
}
