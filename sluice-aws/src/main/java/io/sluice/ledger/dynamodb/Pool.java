package io.sluice.ledger.dynamodb;

import static io.sluice.ledger.dynamodb.Items.n;
import static io.sluice.ledger.dynamodb.Items.s;

import io.sluice.spi.WorkerInfo;
import io.sluice.spi.WorkerStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/**
 * The worker pool's items: one per worker in the {@code <pipeline>#worker} partition, and the leader lease, one item
 * changed only by conditional writes. A reset leaves both alone: they describe processes, not work.
 */
final class Pool {
    private final DynamoDbClient db;
    private final String table;
    private final Items items;
    private final Reads reads;
    private final Clock clock;

    Pool(DynamoDbClient db, String table, Items items, Reads reads, Clock clock) {
        this.db = db;
        this.table = table;
        this.items = items;
        this.reads = reads;
        this.clock = clock;
    }

    void announce(WorkerInfo self, Duration ttl) {
        long now = clock.millis();
        forgetExpired(now);
        Map<String, AttributeValue> item = new HashMap<>(items.worker(self.id()));
        item.put("host", s(self.host()));
        item.put("pid", n(self.pid()));
        item.put("started", n(self.started().toEpochMilli()));
        item.put("threads", n(self.threads()));
        item.put("seen", n(now));
        item.put("expires", n(now + ttl.toMillis()));
        db.putItem(b -> b.tableName(table).item(item));
    }

    /** Deletes the entries whose time ran out; the condition spares one announced again meanwhile. */
    private void forgetExpired(long now) {
        String condition = "#expires < :now";
        List<Map<String, AttributeValue>> expired = new ArrayList<>();
        reads.query(
                QueryRequest.builder()
                        .tableName(table)
                        .keyConditionExpression("#pk = :pk")
                        .filterExpression(condition)
                        .expressionAttributeNames(Names.of("#pk", condition))
                        .expressionAttributeValues(Map.of(":pk", s(items.partition("worker")), ":now", n(now)))
                        .build(),
                expired::add);
        for (Map<String, AttributeValue> e : expired) {
            try {
                db.deleteItem(b -> b.tableName(table)
                        .key(Codec.keyOf(e))
                        .conditionExpression(condition)
                        .expressionAttributeNames(Names.of(condition))
                        .expressionAttributeValues(Map.of(":now", n(now))));
            } catch (ConditionalCheckFailedException announcedAgain) {
                // alive after all
            }
        }
    }

    /** Held claims come from the by_state index, which may lag the splits by a moment on DynamoDB. */
    List<WorkerStatus> workers(Duration seenWithin) {
        long now = clock.millis();
        Map<String, List<String>> held = new HashMap<>();
        reads.query(
                QueryRequest.builder()
                        .tableName(table)
                        .indexName(Items.BY_STATE)
                        .keyConditionExpression("#st = :st")
                        .filterExpression("#lease > :now")
                        .expressionAttributeNames(Names.of("#st", "#lease"))
                        .expressionAttributeValues(Map.of(":st", s(items.st("claimed")), ":now", n(now)))
                        .build(),
                i -> held.computeIfAbsent(i.get("owner").s(), o -> new ArrayList<>())
                        .add(i.get(Items.SK).s()));
        Map<String, AttributeValue> lease = db.getItem(
                        b -> b.tableName(table).key(items.leader()).consistentRead(true))
                .item();
        String leader = lease != null && !lease.isEmpty() && Codec.number(lease, "until") > now
                ? lease.get("holder").s()
                : null;
        List<WorkerStatus> workers = new ArrayList<>();
        reads.query(
                QueryRequest.builder()
                        .tableName(table)
                        .consistentRead(true)
                        .keyConditionExpression("#pk = :pk")
                        .filterExpression("#seen >= :since")
                        .expressionAttributeNames(Names.of("#pk", "#seen"))
                        .expressionAttributeValues(
                                Map.of(":pk", s(items.partition("worker")), ":since", n(now - seenWithin.toMillis())))
                        .build(),
                i -> {
                    String id = i.get(Items.SK).s();
                    WorkerInfo info = new WorkerInfo(
                            id,
                            i.get("host").s(),
                            Codec.number(i, "pid"),
                            Instant.ofEpochMilli(Codec.number(i, "started")),
                            (int) Codec.number(i, "threads"));
                    workers.add(new WorkerStatus(
                            info,
                            Instant.ofEpochMilli(Codec.number(i, "seen")),
                            held.getOrDefault(id, List.of()),
                            id.equals(leader)));
                });
        workers.sort(Comparator.comparing(w -> w.worker().id()));
        return workers;
    }

    void retire(String workerId) {
        db.deleteItem(b -> b.tableName(table).key(items.worker(workerId)));
        String condition = "#holder = :me";
        try {
            db.deleteItem(b -> b.tableName(table)
                    .key(items.leader())
                    .conditionExpression(condition)
                    .expressionAttributeNames(Names.of(condition))
                    .expressionAttributeValues(Map.of(":me", s(workerId))));
        } catch (ConditionalCheckFailedException notLeader) {
            // another worker leads, or nobody: nothing to give up
        }
    }

    /** One conditional write: taken when free or expired, renewed by its holder. */
    boolean lead(String workerId, Duration lease) {
        long now = clock.millis();
        String update = "SET #holder = :me, #until = :until";
        String condition = "attribute_not_exists(#holder) OR #holder = :me OR #until <= :now";
        try {
            db.updateItem(b -> b.tableName(table)
                    .key(items.leader())
                    .updateExpression(update)
                    .conditionExpression(condition)
                    .expressionAttributeNames(Names.of(update, condition))
                    .expressionAttributeValues(
                            Map.of(":me", s(workerId), ":until", n(now + lease.toMillis()), ":now", n(now))));
            return true;
        } catch (ConditionalCheckFailedException held) {
            return false;
        }
    }
}
