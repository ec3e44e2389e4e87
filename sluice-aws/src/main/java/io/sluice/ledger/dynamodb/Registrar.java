package io.sluice.ledger.dynamodb;

import static io.sluice.ledger.dynamodb.Items.n;
import static io.sluice.ledger.dynamodb.Items.s;

import io.sluice.ledger.Registration;
import io.sluice.spi.Claim;
import io.sluice.spi.LedgerException;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Delete;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * Registration, replace and reset, one process at a time per pipeline: DynamoDB has no transaction large enough for
 * a plan (at most 100 items), so planners take turns under a lease lock in the pipeline's meta item, and every write
 * they make is a transaction that also checks (and renews) that lock. A planner paused past its lease is fenced out:
 * its next write fails. A split too large for one transaction is written as {@code registering} (invisible to
 * claims) and listed in the meta item until whole, and so is a replaced split until its replace is written whole;
 * whoever takes the lock next finishes them. The meta item also holds the pipeline's incarnation.
 */
final class Registrar {
    static final Duration LOCK_LEASE = Duration.ofSeconds(60);
    private static final int ACTIONS = 99; // TransactWriteItems takes 100 actions; one is the lock's
    private static final String ACQUIRE = "SET #lock_owner = :me, #lock_until = :until, "
            + "#epoch = if_not_exists(#epoch, :zero), #seq = if_not_exists(#seq, :zero)";
    // free, or taken already by this very taking (each has an owner id of its own): the SDK sends it again when its
    // answer is lost, and the resend must not wait for the lock it holds
    private static final String FREE = "attribute_not_exists(#lock_owner) OR #lock_until < :now OR #lock_owner = :me";
    private static final String RELEASE = "REMOVE #lock_owner, #lock_until";
    private static final String MINE = "#lock_owner = :me";
    private static final String FINISH = "SET #st = :st, #state = :pending REMOVE #nd";
    private static final String REGISTERING = "#state = :registering";
    /** On a split of a group written in several transactions: the group's first split, and its number of splits. */
    private static final String GROUP = "grp";

    private static final String GROUP_SIZE = "gn";
    /** The split ids of one group the meta item may list (of its 400 KB), with room for the rest of it. */
    private static final int MAX_LISTED = 300_000;

    /** The meta item under the lock: the reset epoch (high bits of every token), the last seq, unfinished splits. */
    record Meta(long epoch, long seq, Set<String> inflight) {}

    private final DynamoDbClient db;
    private final DynamoDbConfig config;
    private final Items items;
    private final Reads reads;
    private final Clock clock;

    Registrar(DynamoDbClient db, DynamoDbConfig config, Items items, Reads reads, Clock clock) {
        this.db = db;
        this.config = config;
        this.items = items;
        this.reads = reads;
        this.clock = clock;
    }

    List<String> register(List<Split> splits, Map<String, String> follows) {
        splits.forEach(Registration::requireDistinctMembers);
        return locked("register splits", lock -> {
            Decision decision = decide(splits, null, follows);
            Registration plan = decision.plan();
            long seq = lock.meta.seq();
            lock.seq = seq + plan.accepted().size();
            Map<String, String> before = new HashMap<>(decision.latest());
            for (List<Split> group : byInput(plan.accepted())) {
                List<New> fresh = new ArrayList<>();
                for (Split split : group) {
                    Map<String, String> digests = new HashMap<>();
                    split.members().stream()
                            .filter(m -> m.digest() != null
                                    && m.key().equals(plan.newDigests().get(m.digest())))
                            .forEach(m -> digests.put(m.digest(), m.key()));
                    // each input's registration before this one, for latestDone's walk back to a done one
                    Map<String, List<Integer>> links = new HashMap<>();
                    for (int i = 0; i < split.members().size(); i++) {
                        String earlier = before.put(split.members().get(i).key(), split.id());
                        if (earlier != null && !earlier.equals(split.id()))
                            links.computeIfAbsent(earlier, e -> new ArrayList<>())
                                    .add(i);
                    }
                    fresh.add(new New(split, ++seq, decision.firstToken(split.id(), lock.tokenBase()), digests, links));
                }
                lock.add(fresh);
            }
            lock.flush();
            return plan.accepted().stream().map(Split::id).toList();
        });
    }

    /**
     * A split to write, with its registration seq, first token, the digests it brings first, and the splits of its
     * inputs' registrations before it, each with the positions of those inputs among its members
     * ({@link Items#PREVIOUS}).
     */
    private record New(
            Split split, long seq, long token, Map<String, String> digests, Map<String, List<Integer>> links) {
        /** Its item, in this state. */
        Map<String, AttributeValue> item(Items items, long now, String state, Map<String, String> newDigests) {
            Map<String, AttributeValue> item =
                    new HashMap<>(Codec.newSplit(items, split, seq, token, now, state, newDigests));
            Map<String, AttributeValue> previous = previous(links);
            if (previous != null) item.put(Items.PREVIOUS, AttributeValue.fromM(previous));
            return item;
        }
    }

    /**
     * Bytes of {@link Items#PREVIOUS} past which it is left out: a pack of files that each came alone before links
     * every file's own split id (its key), which would double a pack's item towards DynamoDB's 400 KB limit, and a
     * registration refused for it would stop every plan. Without the map, {@code latestDone} stops its walk there.
     */
    static final int PREVIOUS_BUDGET = 64 * 1024;

    /** The earlier splits' ids, each with the positions of its inputs among the split's members; null when none or over budget. */
    static Map<String, AttributeValue> previous(Map<String, List<Integer>> links) {
        if (links.isEmpty()) return null;
        Map<String, AttributeValue> previous = new HashMap<>();
        long bytes = 0;
        for (var link : links.entrySet()) {
            String positions =
                    link.getValue().stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
            bytes += link.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8).length + positions.length();
            if (bytes > PREVIOUS_BUDGET) return null;
            previous.put(link.getKey(), s(positions));
        }
        return previous;
    }

    /**
     * The splits in groups that register together: those that read one input (the ranges of a file, directly or
     * through a split they share an input with), in the order of their first split, each in the given order. A planner
     * takes an input's version as seen once the ledger holds any split of it, so a version registered in part would
     * never have its other splits registered: each group is written all or nothing.
     */
    static List<List<Split>> byInput(List<Split> splits) {
        // each split points to an earlier one it shares an input with; a group is named by its first split
        int[] joins = new int[splits.size()];
        Map<String, Integer> firstWithKey = new HashMap<>();
        for (int i = 0; i < splits.size(); i++) {
            joins[i] = i;
            for (Member m : splits.get(i).members()) {
                Integer earlier = firstWithKey.putIfAbsent(m.key(), i);
                if (earlier != null) {
                    int a = first(joins, earlier), b = first(joins, i);
                    joins[Math.max(a, b)] = Math.min(a, b);
                }
            }
        }
        Map<Integer, List<Split>> groups = new LinkedHashMap<>();
        for (int i = 0; i < splits.size(); i++) {
            groups.computeIfAbsent(first(joins, i), g -> new ArrayList<>()).add(splits.get(i));
        }
        return List.copyOf(groups.values());
    }

    /** The first split of split {@code i}'s group. */
    private static int first(int[] joins, int i) {
        while (joins[i] != i) i = joins[i];
        return i;
    }

    /**
     * What {@code Ledger.register}'s rule accepts, and the tokens its splits continue from.
     *
     * @param floors the token of the split forgotten under each accepted id that had one: a split registered under
     *               that id continues from it, so no claim of the forgotten split can match the new one
     * @param latest the split of each member key's latest registration, for the keys that have one
     */
    private record Decision(Registration plan, Map<String, Long> floors, Map<String, String> latest) {
        /** The token a new split's item starts with: its first claim gets the next one. */
        long firstToken(String id, long tokenBase) {
            return Math.max(tokenBase, floors.getOrDefault(id, tokenBase));
        }
    }

    /**
     * What {@code Ledger.register}'s rule accepts of these splits, from what the table holds; the inputs and id of
     * {@code replaced} (the item of a split being replaced, or null) count as free, as do the ids of forgotten splits.
     */
    private Decision decide(List<Split> splits, Map<String, AttributeValue> replaced, Map<String, String> follows) {
        Split freed = replaced == null ? null : Codec.split(replaced);
        List<Member> members =
                splits.stream().flatMap(s -> s.members().stream()).toList();
        Set<Registration.Identity> registered = new HashSet<>();
        reads.get(members.stream()
                        .map(m -> items.ident(Registration.Identity.of(m)))
                        .toList())
                .forEach(i -> registered.add(new Registration.Identity(
                        i.get("key").s(),
                        i.get("fp").s(),
                        Long.parseLong(i.get("start").n()))));
        if (freed != null) freed.members().forEach(m -> registered.remove(Registration.Identity.of(m)));
        Map<String, String> owners = new HashMap<>();
        reads.get(members.stream()
                        .filter(m -> m.digest() != null)
                        .map(m -> items.digest(m.digest()))
                        .toList())
                .forEach(i -> owners.put(i.get(Items.SK).s(), i.get("key").s()));
        // the keys' latest registrations, read under the lock: no other registration comes in between
        Map<String, String> latest = new HashMap<>();
        Map<String, String> latestSplits = new HashMap<>();
        reads.get(members.stream().map(m -> items.latest(m.key())).toList()).forEach(l -> {
            String key = l.get("key").s();
            if (follows.containsKey(key)) latest.put(key, l.get("fp").s());
            latestSplits.put(key, l.get("split").s());
        });
        Registration plan = Registration.decide(splits, registered, owners, follows, latest);
        Map<String, Long> floors = new HashMap<>();
        for (Map<String, AttributeValue> taken :
                reads.get(plan.accepted().stream().map(s -> items.split(s.id())).toList())) {
            String id = taken.get(Items.SK).s();
            boolean free = Items.FORGOTTEN.equals(taken.get("state").s()) || freed != null && id.equals(freed.id());
            if (!free) throw Registration.idReused(id);
            floors.put(id, Codec.number(taken, "token"));
        }
        return new Decision(plan, floors, latestSplits);
    }

    /**
     * Replaces a claimed split by others, under the lock. The commit is one conditional write: the split, still held
     * by the claim, becomes {@code replaced} (out of the state index, its claim stale) and records what is left to
     * write ({@link Replacement}), listed in the meta item. The rest follows in transactions of at most 100 items;
     * the replacements stay {@code registering} (invisible to claims) until their inputs are written. A process that
     * dies after the commit leaves the rest to the next lock holder, like a half-registered split.
     *
     * @return the ids registered, or null when the claim is stale (then nothing changed)
     */
    List<String> replace(Claim claim, List<Split> replacements) {
        replacements.forEach(Registration::requireDistinctMembers);
        return locked("replace split " + claim.splitId(), lock -> {
            Map<String, AttributeValue> held = db.getItem(b -> b.tableName(config.table())
                            .key(items.split(claim.splitId()))
                            .consistentRead(true))
                    .item();
            if (!Codec.heldBy(held, claim.token())) return null;
            Split old = Codec.split(held);
            Decision decision = decide(replacements, held, Map.of());
            Registration plan = decision.plan();
            // tokens count per split: the replacements' start above the replaced split's, so that a sink fencing an
            // output by token takes theirs as newer
            long base = Math.max(lock.tokenBase(), claim.token());
            Map<String, Long> tokens = new HashMap<>();
            plan.accepted().forEach(r -> tokens.put(r.id(), decision.firstToken(r.id(), base)));
            Replacement replacement = Replacement.plan(
                    old, plan.accepted(), lock.meta.seq(), tokens, plan.newDigests(), fallbacks(old, plan.accepted()));

            String update = "SET #state = :replaced, #plan = :plan, #updated = :now REMOVE #st, #owner, #lease";
            lock.write(TransactWriteItem.builder()
                    .update(Update.builder()
                            .tableName(config.table())
                            .key(items.split(old.id()))
                            .updateExpression(update)
                            .conditionExpression(Codec.HELD)
                            .expressionAttributeNames(Names.of(update, Codec.HELD))
                            .expressionAttributeValues(Map.of(
                                    ":replaced",
                                    s(Items.REPLACED),
                                    ":plan",
                                    s(replacement.json()),
                                    ":now",
                                    n(clock.millis()),
                                    ":claimed",
                                    s("claimed"),
                                    ":token",
                                    n(claim.token())))
                            .build())
                    .build());
            lock.seq = lock.meta.seq() + plan.accepted().size();
            lock.inflightAdded.add(old.id());
            try {
                lock.flush();
            } catch (TransactionCanceledException e) {
                if ("ConditionalCheckFailed"
                        .equals(e.cancellationReasons().getFirst().code())) return null;
                throw e;
            }
            lock.finishReplace(held, replacement);
            return plan.accepted().stream().map(Split::id).toList();
        });
    }

    /**
     * The inputs of the replaced split that no replacement holds and whose latest registration it is, each with its
     * registration before. Finding that reads every split of the pipeline, so only such a replace pays for it (the
     * runner's replacements hold every input of the split they replace).
     */
    private Map<String, Replacement.Earlier> fallbacks(Split old, List<Split> replacements) {
        Set<String> kept = new HashSet<>();
        replacements.forEach(r -> r.members().forEach(m -> kept.add(m.key())));
        Set<String> orphans = new HashSet<>();
        reads
                .get(old.members().stream()
                        .map(Member::key)
                        .filter(k -> !kept.contains(k))
                        .map(items::latest)
                        .toList())
                .stream()
                .filter(l -> l.get("split").s().equals(old.id()))
                .forEach(l -> orphans.add(l.get("key").s()));
        Map<String, Replacement.Earlier> earlier = new HashMap<>();
        if (orphans.isEmpty()) return earlier;
        orphans.forEach(k -> earlier.put(k, null));
        Map<String, Long> seqs = new HashMap<>();
        String projection = "#sk, #seq, #state, #members";
        reads.query(
                QueryRequest.builder()
                        .tableName(config.table())
                        .consistentRead(true)
                        .keyConditionExpression("#pk = :pk")
                        .projectionExpression(projection)
                        .expressionAttributeNames(Names.of("#pk", projection))
                        .expressionAttributeValues(Map.of(":pk", s(items.partition("split"))))
                        .build(),
                split -> {
                    String id = split.get(Items.SK).s();
                    long seq = Codec.number(split, Items.SEQ);
                    String state = split.get("state").s();
                    if (id.equals(old.id()) || state.equals(Items.REPLACED) || state.equals(Items.FORGOTTEN)) return;
                    for (Member m : Codec.members(split)) {
                        if (orphans.contains(m.key()) && seq >= seqs.getOrDefault(m.key(), -1L)) {
                            seqs.put(m.key(), seq);
                            earlier.put(m.key(), new Replacement.Earlier(m.fingerprint(), m.start(), m.end(), id));
                        }
                    }
                });
        return earlier;
    }

    /**
     * The pipeline's incarnation, in the meta item: made by the first call that finds none (one conditional write
     * settles a race), removed by a reset. A lost table loses it with everything else.
     */
    String incarnation() {
        Map<String, AttributeValue> meta = db.getItem(b -> b.tableName(config.table())
                        .key(items.meta())
                        .consistentRead(true)
                        .projectionExpression("#incarnation")
                        .expressionAttributeNames(Names.of("#incarnation")))
                .item();
        if (meta != null && meta.containsKey("incarnation"))
            return meta.get("incarnation").s();
        String update = "SET #incarnation = if_not_exists(#incarnation, :new)";
        return db.updateItem(b -> b.tableName(config.table())
                        .key(items.meta())
                        .updateExpression(update)
                        .expressionAttributeNames(Names.of(update))
                        .expressionAttributeValues(
                                Map.of(":new", s(UUID.randomUUID().toString())))
                        .returnValues(ReturnValue.UPDATED_NEW))
                .attributes()
                .get("incarnation")
                .s();
    }

    /**
     * Forgets the pipeline: a new epoch (so no claim from before matches a split registered after it), then every item
     * deleted, except the output locks: they are freed, and keep their last token so that the next holder's is
     * greater; then the incarnation. Until its split is deleted, a claim from before (or one made meanwhile) still
     * holds, and commits under the incarnation of the record it belongs to.
     */
    void reset() {
        locked("reset the pipeline", lock -> {
            lock.epoch = lock.meta.epoch() + 1;
            lock.inflightDone.addAll(lock.meta.inflight());
            lock.flush();
            for (String kind : List.of("split", "ident", "latest", "digest", "lock")) {
                reads.query(
                        QueryRequest.builder()
                                .tableName(config.table())
                                .keyConditionExpression("#pk = :pk")
                                .expressionAttributeNames(Names.of("#pk", "#sk"))
                                .expressionAttributeValues(Map.of(":pk", s(items.partition(kind))))
                                .projectionExpression("#pk, #sk")
                                .build(),
                        key -> lock.write(kind.equals("lock") ? lock.free(key) : lock.delete(key)));
            }
            // only now: a split claimed while the items were deleted commits under the record it belongs to
            lock.forgetIncarnation = true;
            lock.flush();
            return null;
        });
    }

    /**
     * Takes the lock, so finishing what a planner that died left half written (a planner that holds it now is waited
     * for): a lookup that found an input of a split still being written calls this before it answers, since a plan
     * that took that input as seen would otherwise register nothing, and nothing would finish the split.
     */
    void finishUnfinished() {
        locked("look up registered inputs (finishing a registration left half written)", lock -> null);
    }

    /** Runs {@code work} under the lock; {@code action} names what waits for it in the error when it is held. */
    private <T> T locked(String action, Function<Lock, T> work) {
        Lock lock = new Lock(UUID.randomUUID().toString());
        lock.meta = acquire(lock.owner, action);
        try {
            lock.finishInflight();
            return work.apply(lock);
        } finally {
            release(lock.owner);
        }
    }

    // ---- the lock -------------------------------------------------------------------------------------

    private Meta acquire(String owner, String action) {
        long deadline = System.nanoTime() + LOCK_LEASE.plusSeconds(10).toNanos();
        for (int attempt = 0; ; attempt++) {
            long now = clock.millis();
            try {
                Map<String, AttributeValue> meta = db.updateItem(b -> b.tableName(config.table())
                                .key(items.meta())
                                .updateExpression(ACQUIRE)
                                .conditionExpression(FREE)
                                .expressionAttributeNames(Names.of(ACQUIRE, FREE))
                                .expressionAttributeValues(Map.of(
                                        ":me",
                                        s(owner),
                                        ":until",
                                        n(now + LOCK_LEASE.toMillis()),
                                        ":zero",
                                        n(0),
                                        ":now",
                                        n(now)))
                                .returnValues(ReturnValue.ALL_NEW))
                        .attributes();
                Set<String> inflight = meta.containsKey("inflight")
                        ? new HashSet<>(meta.get("inflight").ss())
                        : Set.of();
                return new Meta(
                        Long.parseLong(meta.get("epoch").n()),
                        Long.parseLong(meta.get("seq").n()),
                        inflight);
            } catch (ConditionalCheckFailedException held) {
                if (System.nanoTime() > deadline) {
                    throw new LedgerException(
                            config.describe() + ": cannot " + action + ": another process has "
                                    + "held the pipeline's registration lock for over " + LOCK_LEASE.toSeconds()
                                    + " s; if it "
                                    + "died, the lock frees itself when its lease runs out",
                            held);
                }
                sleep(Math.min(1_000, 20L << Math.min(attempt, 6)));
            }
        }
    }

    private void release(String owner) {
        try {
            db.updateItem(b -> b.tableName(config.table())
                    .key(items.meta())
                    .updateExpression(RELEASE)
                    .conditionExpression(MINE)
                    .expressionAttributeNames(Names.of(RELEASE, MINE))
                    .expressionAttributeValues(Map.of(":me", s(owner))));
        } catch (ConditionalCheckFailedException lost) {
            // the lease ran out and another planner took over; it finishes anything this one left half written
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis + ThreadLocalRandom.current().nextLong(millis / 2 + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the registration lock", e);
        }
    }

    /** The lock held, with the writes waiting for the next transaction. */
    private final class Lock {
        final String owner;
        Meta meta;
        long epoch = -1;
        long seq = -1;
        /** A reset's last write: the next use makes a new incarnation. */
        boolean forgetIncarnation;

        final Set<String> inflightAdded = new HashSet<>();
        final Set<String> inflightDone = new HashSet<>();
        // keyed by item: a transaction may name an item once; a later write of the same item (a member key's
        // latest version) replaces the earlier one
        private final Map<Map<String, AttributeValue>, TransactWriteItem> pending = new LinkedHashMap<>();

        Lock(String owner) {
            this.owner = owner;
        }

        long tokenBase() {
            return (epoch < 0 ? meta.epoch() : epoch) << 32;
        }

        /**
         * Finishes what a planner before this one left half written (listed in the meta item): a replace, or a group
         * of splits too large for one transaction ({@link #add}). A group all of whose splits were written gets their
         * inputs and becomes pending; one whose writing stopped before its last split was written had none of its
         * inputs written yet, and is forgotten (each split keeping its token): no input of it counts as registered,
         * so the next plan plans it again, whole.
         */
        void finishInflight() {
            Map<String, List<Map<String, AttributeValue>>> groups = new LinkedHashMap<>();
            for (Map<String, AttributeValue> split :
                    reads.get(meta.inflight().stream().map(items::split).toList())) {
                if (Items.REPLACED.equals(split.get("state").s())) {
                    finishReplace(split, Replacement.of(split.get("plan").s()));
                } else {
                    // a split written alone (or by an earlier Sluice) is a group of one
                    String group = split.containsKey(GROUP)
                            ? split.get(GROUP).s()
                            : split.get(Items.SK).s();
                    groups.computeIfAbsent(group, g -> new ArrayList<>()).add(split);
                }
            }
            for (List<Map<String, AttributeValue>> group : groups.values()) {
                group.sort(java.util.Comparator.comparingLong(i -> Codec.number(i, Items.SEQ)));
                long size = group.getFirst().containsKey(GROUP_SIZE) ? Codec.number(group.getFirst(), GROUP_SIZE) : 1;
                List<Map<String, AttributeValue>> registering = group.stream()
                        .filter(i -> Items.REGISTERING.equals(i.get("state").s()))
                        .toList();
                if (group.size() == size) {
                    finishGroup(registering);
                } else {
                    for (Map<String, AttributeValue> split : registering) {
                        write(put(with(
                                items.split(split.get(Items.SK).s()),
                                Map.of(
                                        "state",
                                        s(Items.FORGOTTEN),
                                        "token",
                                        split.get("token"),
                                        "updated",
                                        n(clock.millis())))));
                    }
                }
            }
            inflightDone.addAll(meta.inflight());
            flush();
        }

        /**
         * Writes a group of new splits: in the next transaction when it fits in one, or else each split
         * {@code registering} (invisible to claims), listed in the meta item and marked with the group's first split
         * and size, then, once all are written, their inputs, then all made pending; they leave the meta item's list
         * only then. Whoever takes the lock after a planner that died in between finishes the group, or forgets it
         * when not all of its splits were written ({@link #finishInflight}).
         */
        void add(List<New> group) {
            // by item: the ranges of a file share its latest version's item, written once (by the last range)
            Map<Map<String, AttributeValue>, TransactWriteItem> whole = new LinkedHashMap<>();
            for (New n : group) {
                Split split = n.split();
                TransactWriteItem item = put(n.item(items, clock.millis(), "pending", Map.of()));
                whole.put(keyOf(item), item);
                memberWrites(split.id(), split.members(), n.digests()).forEach(w -> whole.put(keyOf(w), w));
            }
            if (whole.size() <= ACTIONS) {
                if (pending.size() + whole.size() > ACTIONS) flush();
                whole.values().forEach(this::write);
                return;
            }
            int listed =
                    group.stream().mapToInt(n -> n.split().id().length() + 8).sum();
            if (listed > MAX_LISTED) {
                // not a refusal, though it repeats: the pool's other work goes on while the leader's plan fails
                throw new LedgerException(
                        config.describe() + ": cannot register the " + group.size()
                                + " splits of "
                                + group.getFirst().split().members().getFirst().key()
                                + " together: the DynamoDB ledger lists a registration in progress in one item, which "
                                + "holds about " + MAX_LISTED / 1_000
                                + " KB of split ids; raise the source's split_size "
                                + "so that the file is cut into fewer ranges",
                        null);
            }
            flush();
            String first = group.getFirst().split().id();
            List<Map<String, AttributeValue>> written = new ArrayList<>();
            for (New n : group) {
                Map<String, AttributeValue> item = n.item(items, clock.millis(), Items.REGISTERING, n.digests());
                item.put(GROUP, s(first));
                item.put(GROUP_SIZE, n(group.size()));
                write(put(item));
                inflightAdded.add(n.split().id()); // after write(), which may send the items before this one first
                written.add(item);
            }
            flush();
            finishGroup(written);
        }

        /** Writes the inputs of a group's splits (all written, still registering), then makes them pending. */
        private void finishGroup(List<Map<String, AttributeValue>> registering) {
            for (Map<String, AttributeValue> split : registering) {
                Map<String, String> digests = new HashMap<>();
                if (split.containsKey("nd")) split.get("nd").m().forEach((d, k) -> digests.put(d, k.s()));
                memberWrites(split.get(Items.SK).s(), Codec.members(split), digests)
                        .forEach(this::write);
            }
            // listed until all are pending: a planner finishing the group after this one died counts them all
            for (Map<String, AttributeValue> split : registering)
                finish(split.get(Items.SK).s());
            registering.forEach(split -> inflightDone.add(split.get(Items.SK).s()));
            flush();
        }

        /**
         * Writes what a committed replace left to write, whatever part of it is written already: the replacements
         * (registering), their inputs and digests, the replaced split's inputs that no replacement holds (their
         * registration forgotten, their latest one the earlier registration), then, at once where they fit, the
         * replacements made claimable and the replaced split forgotten: a replacement with its id in its place, or
         * an item that keeps only its last token ({@link Items#FORGOTTEN}).
         */
        void finishReplace(Map<String, AttributeValue> replaced, Replacement plan) {
            Split old = Codec.split(replaced);
            List<Replacement.Replaced> replacements = plan.replacements(old);
            Map<String, String> states = new HashMap<>();
            reads.get(replacements.stream()
                            .map(r -> r.split().id())
                            .filter(id -> !id.equals(old.id()))
                            .map(items::split)
                            .toList())
                    .forEach(r -> states.put(r.get(Items.SK).s(), r.get("state").s()));
            Set<Registration.Identity> kept = new HashSet<>();
            TransactWriteItem last = put(with(
                    items.split(old.id()),
                    Map.of("state", s(Items.FORGOTTEN), "token", replaced.get("token"), "updated", n(clock.millis()))));
            for (Replacement.Replaced r : replacements) {
                Split split = r.split();
                if (split.id().equals(old.id())) {
                    last = put(Codec.newSplit(items, split, r.seq(), r.token(), clock.millis(), "pending", Map.of()));
                } else if (!states.containsKey(split.id()) || Items.FORGOTTEN.equals(states.get(split.id()))) {
                    write(put(Codec.newSplit(
                            items, split, r.seq(), r.token(), clock.millis(), Items.REGISTERING, Map.of())));
                    states.put(split.id(), Items.REGISTERING);
                }
                memberWrites(split.id(), split.members(), Map.of()).forEach(this::write);
                split.members().forEach(m -> kept.add(Registration.Identity.of(m)));
            }
            plan.digests().forEach((d, key) -> write(put(with(items.digest(d), Map.of("key", s(key))))));
            for (Member m : old.members()) {
                Registration.Identity i = Registration.Identity.of(m);
                if (!kept.contains(i)) write(delete(items.ident(i)));
            }
            plan.fallbacks()
                    .forEach((key, earlier) -> write(
                            earlier == null
                                    ? delete(items.latest(key))
                                    : put(with(
                                            items.latest(key),
                                            Map.of(
                                                    "key",
                                                    s(key),
                                                    "fp",
                                                    s(earlier.fingerprint()),
                                                    "start",
                                                    n(earlier.start()),
                                                    "end",
                                                    n(earlier.end()),
                                                    "split",
                                                    s(earlier.split()))))));
            flush();
            states.forEach((id, state) -> {
                if (Items.REGISTERING.equals(state)) finish(id);
            });
            write(last);
            inflightDone.add(old.id());
            flush();
        }

        /** Makes a registering split pending; it stays in the meta item's list until the caller takes it off. */
        private void finish(String id) {
            if (pending.size() + 1 > ACTIONS) flush();
            write(TransactWriteItem.builder()
                    .update(Update.builder()
                            .tableName(config.table())
                            .key(items.split(id))
                            .updateExpression(FINISH)
                            .conditionExpression(REGISTERING)
                            .expressionAttributeNames(Names.of(FINISH, REGISTERING))
                            .expressionAttributeValues(Map.of(
                                    ":st",
                                    s(items.st("pending")),
                                    ":pending",
                                    s("pending"),
                                    ":registering",
                                    s(Items.REGISTERING)))
                            .build())
                    .build());
        }

        private List<TransactWriteItem> memberWrites(
                String splitId, List<Member> members, Map<String, String> digests) {
            List<TransactWriteItem> writes = new ArrayList<>();
            for (Member m : members) {
                Registration.Identity i = Registration.Identity.of(m);
                writes.add(put(with(
                        items.ident(i),
                        Map.of(
                                "key",
                                s(m.key()),
                                "fp",
                                s(m.fingerprint()),
                                "start",
                                n(m.start()),
                                "split",
                                s(splitId)))));
                writes.add(put(with(
                        items.latest(m.key()),
                        Map.of(
                                "key",
                                s(m.key()),
                                "fp",
                                s(m.fingerprint()),
                                "start",
                                n(m.start()),
                                "end",
                                n(m.end()),
                                "split",
                                s(splitId)))));
            }
            digests.forEach((d, key) -> writes.add(put(with(items.digest(d), Map.of("key", s(key))))));
            return writes;
        }

        void write(TransactWriteItem w) {
            Map<String, AttributeValue> key = keyOf(w);
            if (!pending.containsKey(key) && pending.size() == ACTIONS) flush();
            pending.put(key, w);
        }

        private static Map<String, AttributeValue> keyOf(TransactWriteItem w) {
            return w.put() != null
                    ? Codec.keyOf(w.put().item())
                    : w.delete() != null ? w.delete().key() : w.update().key();
        }

        /** Writes what is waiting, in one transaction with the lock's check and renewal. */
        void flush() {
            if (pending.isEmpty()
                    && epoch < 0
                    && inflightAdded.isEmpty()
                    && inflightDone.isEmpty()
                    && !forgetIncarnation) return;
            List<TransactWriteItem> all = new ArrayList<>(pending.values());
            all.add(TransactWriteItem.builder().update(lockUpdate()).build());
            try {
                db.transactWriteItems(b -> b.transactItems(all));
            } catch (TransactionCanceledException e) {
                List<CancellationReason> reasons = e.cancellationReasons();
                if (reasons.size() == all.size()
                        && "ConditionalCheckFailed".equals(reasons.getLast().code())) {
                    throw new LedgerException(
                            config.describe() + ": lost the pipeline's registration lock (this "
                                    + "process was paused for over " + LOCK_LEASE.toSeconds()
                                    + " s?); nothing half-written "
                                    + "is lost: the next planner finishes it",
                            e);
                }
                throw e;
            }
            pending.clear();
            inflightAdded.clear();
            inflightDone.clear();
            if (epoch >= 0) meta = new Meta(epoch, meta.seq(), Set.of());
            epoch = -1;
            forgetIncarnation = false;
        }

        private Update lockUpdate() {
            long now = clock.millis();
            StringBuilder set = new StringBuilder("SET #lock_until = :until");
            Map<String, AttributeValue> values =
                    new HashMap<>(Map.of(":me", s(owner), ":until", n(now + LOCK_LEASE.toMillis())));
            if (seq >= 0) {
                set.append(", #seq = :seq");
                values.put(":seq", n(seq));
            }
            if (epoch >= 0) {
                set.append(", #epoch = :epoch");
                values.put(":epoch", n(epoch));
            }
            if (!inflightAdded.isEmpty()) {
                set.append(" ADD #inflight :added");
                values.put(":added", AttributeValue.fromSs(List.copyOf(inflightAdded)));
            }
            if (!inflightDone.isEmpty()) {
                set.append(" DELETE #inflight :done");
                values.put(":done", AttributeValue.fromSs(List.copyOf(inflightDone)));
            }
            if (forgetIncarnation) set.append(" REMOVE #incarnation");
            return Update.builder()
                    .tableName(config.table())
                    .key(items.meta())
                    .updateExpression(set.toString())
                    .conditionExpression(MINE)
                    .expressionAttributeNames(Names.of(set.toString(), MINE))
                    .expressionAttributeValues(values)
                    .build();
        }

        /** Frees an output lock ({@link Locks}): its holder and lease go, its token stays. */
        private TransactWriteItem free(Map<String, AttributeValue> key) {
            String release = "REMOVE #owner, #lease";
            return TransactWriteItem.builder()
                    .update(Update.builder()
                            .tableName(config.table())
                            .key(key)
                            .updateExpression(release)
                            .expressionAttributeNames(Names.of(release))
                            .build())
                    .build();
        }

        private TransactWriteItem delete(Map<String, AttributeValue> key) {
            return TransactWriteItem.builder()
                    .delete(Delete.builder().tableName(config.table()).key(key).build())
                    .build();
        }

        private TransactWriteItem put(Map<String, AttributeValue> item) {
            return TransactWriteItem.builder()
                    .put(Put.builder().tableName(config.table()).item(item).build())
                    .build();
        }

        private static Map<String, AttributeValue> with(
                Map<String, AttributeValue> key, Map<String, AttributeValue> attributes) {
            Map<String, AttributeValue> item = new HashMap<>(key);
            item.putAll(attributes);
            return item;
        }
    }
}
