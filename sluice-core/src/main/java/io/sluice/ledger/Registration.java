package io.sluice.ledger;

import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.ledger.PlanStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which splits of a batch a ledger registers, given what it already holds: the rule of {@code Ledger.register} in
 * one place for the server ledgers, which read what they need in bulk and then decide here. A split is skipped when
 * one of its members is registered (before or earlier in the batch), when a member's digest belongs to another
 * key (the first key to register a digest owns it), or when it follows a registration of an input that is no longer
 * the input's latest ({@link #follows}, which the SQLite ledger calls alone).
 */
public record Registration(List<Split> accepted, Map<String, String> newDigests) {

    /** One version of one input: registered once per pipeline. */
    public record Identity(String key, String fingerprint, long start) {
        public static Identity of(Member m) {
            return new Identity(m.key(), m.fingerprint(), m.start());
        }
    }

    /**
     * A split is also skipped when a member's key is in {@code follows} and its latest registration is another than
     * the one the planner saw ({@code PlanStore.register(splits, follows)}; empty maps: no such condition).
     *
     * @param registered   the identities among the batch's members that the ledger already holds
     * @param digestOwners the owners the ledger already holds of the batch's digests
     * @param follows      the fingerprint of each key's registration the planner saw last ({@link PlanStore#NOTHING}:
     *                     none)
     * @param latest       the fingerprint of the latest registration the ledger holds of each key of {@code follows};
     *                     keys without one are absent
     * @throws IllegalArgumentException when a split lists one input twice, or two new splits share an id
     */
    public static Registration decide(
            List<Split> splits,
            Set<Identity> registered,
            Map<String, String> digestOwners,
            Map<String, String> follows,
            Map<String, String> latest) {
        splits.forEach(Registration::requireDistinctMembers);
        Set<Identity> taken = new HashSet<>(registered);
        Map<String, String> owners = new HashMap<>(digestOwners);
        Map<String, String> newDigests = new HashMap<>();
        Map<String, String> now = new HashMap<>(latest);
        Set<String> ids = new HashSet<>();
        List<Split> accepted = new ArrayList<>();
        for (Split split : splits) {
            if (!registrable(split, taken, owners) || !follows(split, follows, now)) continue;
            if (!ids.add(split.id())) throw idReused(split.id());
            accepted.add(split);
            for (Member m : split.members()) {
                taken.add(Identity.of(m));
                now.put(m.key(), m.fingerprint());
                if (m.digest() != null && owners.putIfAbsent(m.digest(), m.key()) == null) {
                    newDigests.put(m.digest(), m.key());
                }
            }
        }
        return new Registration(List.copyOf(accepted), Map.copyOf(newDigests));
    }

    private static boolean registrable(Split split, Set<Identity> taken, Map<String, String> owners) {
        for (Member m : split.members()) {
            if (taken.contains(Identity.of(m))) return false;
            String owner = m.digest() == null ? null : owners.get(m.digest());
            if (owner != null && !owner.equals(m.key())) return false;
        }
        return true;
    }

    /**
     * Whether each member whose key is in {@code follows} still follows the key's latest registration ({@code latest}:
     * key to fingerprint, absent when none), or is another range of the version registered last.
     */
    public static boolean follows(Split split, Map<String, String> follows, Map<String, String> latest) {
        for (Member m : split.members()) {
            String saw = follows.get(m.key());
            if (saw == null) continue;
            String now = latest.getOrDefault(m.key(), PlanStore.NOTHING);
            if (!now.equals(saw) && !now.equals(m.fingerprint())) return false;
        }
        return true;
    }

    /** @throws IllegalArgumentException when the split lists one version of one input twice */
    public static void requireDistinctMembers(Split split) {
        Set<Identity> seen = new HashSet<>();
        for (Member m : split.members()) {
            if (!seen.add(Identity.of(m))) {
                throw new IllegalArgumentException(
                        "split " + split.id() + " lists " + m.key() + " from byte " + m.start() + " twice");
            }
        }
    }

    /** The error for a new split whose id a registered split (with other members) already has. */
    public static IllegalArgumentException idReused(String id) {
        return new IllegalArgumentException("split " + id + " is already registered with other members; a split's "
                + "id must change when its inputs change (include the fingerprint)");
    }
}
