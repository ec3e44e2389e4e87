package io.sluice.ledger.dynamodb;

import static io.sluice.ledger.dynamodb.Items.n;
import static io.sluice.ledger.dynamodb.Items.s;

import io.sluice.ledger.Registration;
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
 * Registration and reset, one process at a time per pipeline: DynamoDB has no transaction large enough for a plan
 * (at most 100 items), so planners take turns under a lease lock in the pipeline's meta item, and every write they
 * make is a transaction that also checks (and renews) that lock. A planner paused past its lease is fenced out: its
 * next write fails. A split too large for one transaction is written as {@code registering} (invisible to claims)
 * and listed in the meta item until whole; whoever takes the lock next finishes it.
 */
final class Registrar {
    static final Duration LOCK_LEASE = Duration.ofSeconds(60);
    private static final int ACTIONS = 99; // TransactWriteItems takes 100 actions; one is the lock's
    private static final String ACQUIRE = "SET #lock_owner = :me, #lock_until = :until, "
            + "#epoch = if_not_exists(#epoch, :zero), #seq = if_not_exists(#seq, :zero)";
    private static final String FREE = "attribute_not_exists(#lock_owner) OR #lock_until < :now";
    private static final String RELEASE = "REMOVE #lock_owner, #lock_until";
    private static final String MINE = "#lock_owner = :me";
    private static final String FINISH = "SET #st = :st, #state = :pending REMOVE #nd";
    private static final String REGISTERING = "#state = :registering";

    /** The meta item under the lock: the reset epoch (high bits of every token), the last seq, unfinished splits. */
    record Meta(long epoch, long seq, Set<String> inflight) {
    }

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

    List<String> register(List<Split> splits) {
        splits.forEach(Registration::requireDistinctMembers);
        return locked(lock -> {
            List<Member> members = splits.stream().flatMap(s -> s.members().stream()).toList();
            Set<Registration.Identity> registered = new HashSet<>();
            reads.get(members.stream().map(m -> items.ident(Registration.Identity.of(m))).toList())
                    .forEach(i -> registered.add(new Registration.Identity(i.get("key").s(), i.get("fp").s(),
                            Long.parseLong(i.get("start").n()))));
            Map<String, String> owners = new HashMap<>();
            reads.get(members.stream().filter(m -> m.digest() != null).map(m -> items.digest(m.digest())).toList())
                    .forEach(i -> owners.put(i.get(Items.SK).s(), i.get("key").s()));
            Registration plan = Registration.decide(splits, registered, owners);
            reads.get(plan.accepted().stream().map(s -> items.split(s.id())).toList()).stream().findFirst()
                    .ifPresent(taken -> {
                        throw Registration.idReused(taken.get(Items.SK).s());
                    });
            long seq = lock.meta.seq();
            lock.seq = seq + plan.accepted().size();
            for (Split split : plan.accepted()) {
                Map<String, String> digests = new HashMap<>();
                split.members().stream()
                        .filter(m -> m.digest() != null && m.key().equals(plan.newDigests().get(m.digest())))
                        .forEach(m -> digests.put(m.digest(), m.key()));
                lock.add(split, ++seq, digests);
            }
            lock.flush();
            return plan.accepted().stream().map(Split::id).toList();
        });
    }

    /** Forgets the pipeline: a new epoch (so no token from before can match), then every item deleted. */
    void reset() {
        locked(lock -> {
            lock.epoch = lock.meta.epoch() + 1;
            lock.inflightDone.addAll(lock.meta.inflight());
            lock.flush();
            for (String kind : List.of("split", "ident", "latest", "digest")) {
                reads.query(QueryRequest.builder().tableName(config.table())
                        .keyConditionExpression("#pk = :pk")
                        .expressionAttributeNames(Names.of("#pk", "#sk"))
                        .expressionAttributeValues(Map.of(":pk", s(items.partition(kind))))
                        .projectionExpression("#pk, #sk")
                        .build(), key -> lock.write(TransactWriteItem.builder()
                        .delete(Delete.builder().tableName(config.table()).key(key).build()).build()));
            }
            lock.flush();
            return null;
        });
    }

    private <T> T locked(Function<Lock, T> work) {
        Lock lock = new Lock(UUID.randomUUID().toString());
        lock.meta = acquire(lock.owner);
        try {
            lock.finishInflight();
            return work.apply(lock);
        } finally {
            release(lock.owner);
        }
    }

    // ---- the lock -------------------------------------------------------------------------------------

    private Meta acquire(String owner) {
        long deadline = System.nanoTime() + LOCK_LEASE.plusSeconds(10).toNanos();
        for (int attempt = 0; ; attempt++) {
            long now = clock.millis();
            try {
                Map<String, AttributeValue> meta = db.updateItem(b -> b.tableName(config.table()).key(items.meta())
                        .updateExpression(ACQUIRE)
                        .conditionExpression(FREE)
                        .expressionAttributeNames(Names.of(ACQUIRE, FREE))
                        .expressionAttributeValues(Map.of(":me", s(owner), ":until", n(now + LOCK_LEASE.toMillis()),
                                ":zero", n(0), ":now", n(now)))
                        .returnValues(ReturnValue.ALL_NEW)).attributes();
                Set<String> inflight = meta.containsKey("inflight") ? new HashSet<>(meta.get("inflight").ss()) : Set.of();
                return new Meta(Long.parseLong(meta.get("epoch").n()), Long.parseLong(meta.get("seq").n()), inflight);
            } catch (ConditionalCheckFailedException held) {
                if (System.nanoTime() > deadline) {
                    throw new LedgerException(config.describe() + ": cannot register splits: another process has "
                            + "held the pipeline's registration lock for over " + LOCK_LEASE.toSeconds() + " s; if it "
                            + "died, the lock frees itself when its lease runs out", held);
                }
                sleep(Math.min(1_000, 20L << Math.min(attempt, 6)));
            }
        }
    }

    private void release(String owner) {
        try {
            db.updateItem(b -> b.tableName(config.table()).key(items.meta())
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

        /** Finishes splits a planner before this one left half written (they were listed in the meta item). */
        void finishInflight() {
            for (Map<String, AttributeValue> split : reads.get(meta.inflight().stream().map(items::split).toList())) {
                if (Items.REGISTERING.equals(split.get("state").s())) {
                    Map<String, String> digests = new HashMap<>();
                    if (split.containsKey("nd")) split.get("nd").m().forEach((d, k) -> digests.put(d, k.s()));
                    memberWrites(split.get(Items.SK).s(), Codec.members(split.get("members").s()), digests)
                            .forEach(this::write);
                    finish(split.get(Items.SK).s());
                } else {
                    inflightDone.add(split.get(Items.SK).s());
                }
            }
            inflightDone.addAll(meta.inflight());
            flush();
        }

        void add(Split split, long seq, Map<String, String> digests) {
            List<TransactWriteItem> members = memberWrites(split.id(), split.members(), digests);
            if (members.size() + 1 <= ACTIONS) {
                if (pending.size() + members.size() + 1 > ACTIONS) flush();
                write(put(Codec.newSplit(items, split, seq, tokenBase(), clock.millis(), "pending", Map.of())));
                members.forEach(this::write);
                return;
            }
            // too large for one transaction: written as 'registering', listed in the meta item until whole
            flush();
            inflightAdded.add(split.id());
            write(put(Codec.newSplit(items, split, seq, tokenBase(), clock.millis(), Items.REGISTERING, digests)));
            flush();
            members.forEach(this::write);
            finish(split.id());
            flush();
        }

        private void finish(String id) {
            if (pending.size() + 1 > ACTIONS) flush();
            write(TransactWriteItem.builder().update(Update.builder().tableName(config.table()).key(items.split(id))
                    .updateExpression(FINISH)
                    .conditionExpression(REGISTERING)
                    .expressionAttributeNames(Names.of(FINISH, REGISTERING))
                    .expressionAttributeValues(Map.of(":st", s(items.st("pending")), ":pending", s("pending"),
                            ":registering", s(Items.REGISTERING)))
                    .build()).build());
            inflightDone.add(id);
        }

        private List<TransactWriteItem> memberWrites(String splitId, List<Member> members, Map<String, String> digests) {
            List<TransactWriteItem> writes = new ArrayList<>();
            for (Member m : members) {
                Registration.Identity i = Registration.Identity.of(m);
                writes.add(put(with(items.ident(i), Map.of("key", s(m.key()), "fp", s(m.fingerprint()),
                        "start", n(m.start()), "split", s(splitId)))));
                writes.add(put(with(items.latest(m.key()), Map.of("key", s(m.key()), "fp", s(m.fingerprint()),
                        "start", n(m.start()), "end", n(m.end()), "split", s(splitId)))));
            }
            digests.forEach((d, key) -> writes.add(put(with(items.digest(d), Map.of("key", s(key))))));
            return writes;
        }

        void write(TransactWriteItem w) {
            Map<String, AttributeValue> key = w.put() != null ? Codec.keyOf(w.put().item())
                    : w.delete() != null ? w.delete().key() : w.update().key();
            if (!pending.containsKey(key) && pending.size() == ACTIONS) flush();
            pending.put(key, w);
        }

        /** Writes what is waiting, in one transaction with the lock's check and renewal. */
        void flush() {
            if (pending.isEmpty() && epoch < 0 && inflightAdded.isEmpty() && inflightDone.isEmpty()) return;
            List<TransactWriteItem> all = new ArrayList<>(pending.values());
            all.add(TransactWriteItem.builder().update(lockUpdate()).build());
            try {
                db.transactWriteItems(b -> b.transactItems(all));
            } catch (TransactionCanceledException e) {
                List<CancellationReason> reasons = e.cancellationReasons();
                if (reasons.size() == all.size() && "ConditionalCheckFailed".equals(reasons.getLast().code())) {
                    throw new LedgerException(config.describe() + ": lost the pipeline's registration lock (this "
                            + "process was paused for over " + LOCK_LEASE.toSeconds() + " s?); nothing half-written "
                            + "is lost: the next planner finishes it", e);
                }
                throw e;
            }
            pending.clear();
            inflightAdded.clear();
            inflightDone.clear();
            if (epoch >= 0) meta = new Meta(epoch, meta.seq(), Set.of());
            epoch = -1;
        }

        private Update lockUpdate() {
            long now = clock.millis();
            StringBuilder set = new StringBuilder("SET #lock_until = :until");
            Map<String, AttributeValue> values = new HashMap<>(Map.of(":me", s(owner),
                    ":until", n(now + LOCK_LEASE.toMillis())));
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
            return Update.builder().tableName(config.table()).key(items.meta())
                    .updateExpression(set.toString())
                    .conditionExpression(MINE)
                    .expressionAttributeNames(Names.of(set.toString(), MINE))
                    .expressionAttributeValues(values).build();
        }

        private TransactWriteItem put(Map<String, AttributeValue> item) {
            return TransactWriteItem.builder().put(Put.builder().tableName(config.table()).item(item).build()).build();
        }

        private static Map<String, AttributeValue> with(Map<String, AttributeValue> key,
                                                        Map<String, AttributeValue> attributes) {
            Map<String, AttributeValue> item = new HashMap<>(key);
            item.putAll(attributes);
            return item;
        }
    }
}
