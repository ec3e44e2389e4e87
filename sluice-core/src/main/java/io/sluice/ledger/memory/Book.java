package io.sluice.ledger.memory;

import io.sluice.ledger.Registration;
import io.sluice.spi.KnownMember;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.SplitState;
import io.sluice.spi.WorkerInfo;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * Everything the memory ledger holds for one pipeline. Not thread-safe on its own: {@link MemoryLedger} calls it
 * only while holding its store's lock, so each call is atomic, like one transaction of a database ledger.
 */
final class Book {
    /** The member of a key registered last, and its split: what {@code known()} answers. */
    record Latest(Member member, String splitId) {}

    record Announced(WorkerInfo info, Instant lastSeen, Instant expires) {}

    record Leader(String holder, Instant until) {}

    /** The current grant of an output lock. */
    record Held(String owner, long token, Instant until) {}

    // by id, in registration order (replacing a row keeps its place)
    final LinkedHashMap<String, Row> rows = new LinkedHashMap<>();
    // seq -> id of the rows not yet done or dead, so a claim looks at open work only, oldest first
    final NavigableMap<Long, String> open = new TreeMap<>();
    final Set<Registration.Identity> inputs = new HashSet<>();
    final Map<String, Latest> latest = new HashMap<>();
    final Map<String, String> digestOwners = new HashMap<>();
    final NavigableMap<String, Announced> workers = new TreeMap<>();
    Leader leader;
    final Map<String, Held> locks = new HashMap<>();
    // made at first use, dropped by reset
    String incarnation;
    long lastSeq;
    // never reset: a claim or lock from before a reset must stay fenced
    long lastToken;

    /** Registers what the shared rule accepts, all or nothing. */
    List<String> register(List<Split> splits, Map<String, String> follows, Instant now) {
        return replace(null, splits, follows, now);
    }

    /**
     * Forgets the split of {@code old} (unless null) with its inputs, and registers what the shared rule accepts in
     * its place, all or nothing: the old split's inputs and id count as free. Digest owners stay.
     */
    List<String> replace(Row old, List<Split> splits, Map<String, String> follows, Instant now) {
        Set<Registration.Identity> forgotten = new HashSet<>();
        if (old != null) old.split().members().forEach(m -> forgotten.add(Registration.Identity.of(m)));
        Set<Registration.Identity> registered = new HashSet<>();
        Map<String, String> owners = new HashMap<>();
        for (Split s : splits) {
            for (Member m : s.members()) {
                Registration.Identity id = Registration.Identity.of(m);
                if (inputs.contains(id) && !forgotten.contains(id)) registered.add(id);
                String owner = m.digest() == null ? null : digestOwners.get(m.digest());
                if (owner != null) owners.put(m.digest(), owner);
            }
        }
        Map<String, String> latestNow = new HashMap<>();
        for (String key : follows.keySet()) {
            Latest l = latest.get(key);
            if (l != null) latestNow.put(key, l.member().fingerprint());
        }
        Registration plan = Registration.decide(splits, registered, owners, follows, latestNow);
        // checked before anything changes, so a refused batch leaves no trace
        for (Split s : plan.accepted()) {
            boolean freed = old != null && old.split().id().equals(s.id());
            if (rows.containsKey(s.id()) && !freed) throw Registration.idReused(s.id());
        }
        if (old != null) forget(old, forgotten);
        for (Split s : plan.accepted()) {
            long seq = ++lastSeq;
            rows.put(s.id(), Row.registered(seq, s, now));
            open.put(seq, s.id());
            for (Member m : s.members()) {
                inputs.add(Registration.Identity.of(m));
                latest.put(m.key(), new Latest(m, s.id()));
            }
        }
        digestOwners.putAll(plan.newDigests());
        return plan.accepted().stream().map(Split::id).toList();
    }

    private void forget(Row old, Set<Registration.Identity> identities) {
        String id = old.split().id();
        rows.remove(id);
        open.remove(old.seq());
        inputs.removeAll(identities);
        Set<String> keys = new HashSet<>();
        for (Member m : old.split().members()) {
            if (latest.get(m.key()).splitId().equals(id)) keys.add(m.key());
        }
        latest.keySet().removeAll(keys);
        // such a key falls back to the split that registered it last before (rows iterate in registration order)
        for (Row r : rows.values()) {
            for (Member m : r.split().members()) {
                if (keys.contains(m.key()))
                    latest.put(m.key(), new Latest(m, r.split().id()));
            }
        }
    }

    KnownMember known(String key) {
        Latest l = latest.get(key);
        if (l == null) return null;
        Member m = l.member();
        return new KnownMember(
                key,
                m.fingerprint(),
                m.start(),
                m.end(),
                l.splitId(),
                rows.get(l.splitId()).state());
    }

    /**
     * Each key's latest registration in a done split, newest rows first: a look through the rows, which a memory
     * ledger (one process's) holds few of.
     */
    Map<String, KnownMember> latestDone(Collection<String> keys) {
        Set<String> wanted = new HashSet<>(keys);
        Map<String, KnownMember> done = new HashMap<>();
        for (Row r : rows.sequencedValues().reversed()) {
            if (done.size() == wanted.size()) break;
            if (r.state() != SplitState.DONE) continue;
            for (Member m : r.split().members()) {
                if (wanted.contains(m.key()) && !done.containsKey(m.key())) {
                    done.put(
                            m.key(),
                            new KnownMember(
                                    m.key(),
                                    m.fingerprint(),
                                    m.start(),
                                    m.end(),
                                    r.split().id(),
                                    SplitState.DONE));
                }
            }
        }
        return done;
    }

    /** The oldest claimable row, or null. */
    Row nextClaimable(Instant now) {
        for (String id : open.values()) {
            Row r = rows.get(id);
            if (r.claimable(now)) return r;
        }
        return null;
    }

    /** Swaps in a row's next version, and keeps {@link #open} in step with its state. */
    void put(Row r) {
        rows.put(r.split().id(), r);
        if (r.state() == SplitState.DONE || r.state() == SplitState.DEAD) {
            open.remove(r.seq());
        } else {
            open.put(r.seq(), r.split().id());
        }
    }

    /** The row the claim still holds (its token current), or null. */
    Row held(String splitId, long token) {
        Row r = rows.get(splitId);
        return r != null && r.heldWith(token) ? r : null;
    }

    /** True when the split is in {@code state} under {@code token}: the claim with that token ended it so. */
    boolean ended(String splitId, long token, SplitState state) {
        Row r = rows.get(splitId);
        return r != null && r.state() == state && r.token() == token;
    }

    boolean leads(String workerId, Instant now) {
        return leader != null && leader.until().isAfter(now) && leader.holder().equals(workerId);
    }

    /**
     * Forgets every split, input, digest, output lock and the incarnation; workers, the leader lease and the token
     * counter stay.
     */
    void reset() {
        incarnation = null;
        locks.clear();
        rows.clear();
        open.clear();
        inputs.clear();
        latest.clear();
        digestOwners.clear();
    }
}
