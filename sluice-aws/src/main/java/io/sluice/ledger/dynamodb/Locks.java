package io.sluice.ledger.dynamodb;

import static io.sluice.ledger.dynamodb.Items.n;
import static io.sluice.ledger.dynamodb.Items.s;

import io.sluice.spi.ledger.OutputLocks.Lock;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * Output locks: one item per lock in the {@code <pipeline>#lock} partition, changed only by conditional writes. The
 * item keeps the lock's last token when nobody holds it (unlock and reset only take away the holder and lease), so
 * every new holder's token, the last one plus one, is greater than any before it. A lock taken, checked once and
 * released costs three requests.
 */
final class Locks {
    /** A new holder: nobody holds it, or another owner's lease ran out. */
    private static final String TAKE =
            "SET #name = :name, #owner = :me, #lease = :until, " + "#token = if_not_exists(#token, :zero) + :one";

    private static final String FREE = "attribute_not_exists(#owner) OR (#lease <= :now AND #owner <> :me)";
    private static final String RENEW = "SET #lease = :until";
    private static final String MINE = "#owner = :me";
    private static final String RELEASE = "REMOVE #owner, #lease";
    private static final String HELD = "#token = :token AND attribute_exists(#owner)";

    private final DynamoDbClient db;
    private final String table;
    private final Items items;
    private final Clock clock;

    Locks(DynamoDbClient db, String table, Items items, Clock clock) {
        this.db = db;
        this.table = table;
        this.items = items;
        this.clock = clock;
    }

    /**
     * One conditional write for a new holder; when its condition fails, the item it found tells a lock of another
     * owner's live lease (refused) from one the owner holds (a second write renews it).
     */
    Optional<Lock> lock(String name, String owner, Duration lease) {
        long now = clock.millis();
        Map<String, AttributeValue> until = Map.of(":me", s(owner), ":until", n(now + lease.toMillis()));
        try {
            Map<String, AttributeValue> taken = db.updateItem(b -> b.tableName(table)
                            .key(items.lock(name))
                            .updateExpression(TAKE)
                            .conditionExpression(FREE)
                            .expressionAttributeNames(Names.of(TAKE, FREE))
                            .expressionAttributeValues(
                                    with(until, Map.of(":name", s(name), ":zero", n(0), ":one", n(1), ":now", n(now))))
                            .returnValues(ReturnValue.UPDATED_NEW)
                            .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD))
                    .attributes();
            return Optional.of(new Lock(name, owner, Codec.number(taken, "token")));
        } catch (ConditionalCheckFailedException held) {
            if (held.hasItem() && !owner.equals(held.item().get("owner").s())) return Optional.empty();
        }
        try {
            Map<String, AttributeValue> renewed = db.updateItem(b -> b.tableName(table)
                            .key(items.lock(name))
                            .updateExpression(RENEW)
                            .conditionExpression(MINE)
                            .expressionAttributeNames(Names.of(RENEW, MINE))
                            .expressionAttributeValues(until)
                            .returnValues(ReturnValue.ALL_NEW))
                    .attributes();
            return Optional.of(new Lock(name, owner, Codec.number(renewed, "token")));
        } catch (ConditionalCheckFailedException another) {
            return Optional.empty();
        }
    }

    /** One strongly consistent read. */
    Optional<Lock> holder(String name) {
        Map<String, AttributeValue> item = db.getItem(b -> b.tableName(table)
                        .key(items.lock(name))
                        .consistentRead(true)
                        .projectionExpression("#owner, #token, #lease")
                        .expressionAttributeNames(Names.of("#owner, #token, #lease")))
                .item();
        if (item == null || !item.containsKey("owner") || Codec.number(item, "lease") <= clock.millis()) {
            return Optional.empty();
        }
        return Optional.of(new Lock(name, item.get("owner").s(), Codec.number(item, "token")));
    }

    /** One strongly consistent read. */
    boolean holds(Lock lock) {
        Map<String, AttributeValue> item = db.getItem(b -> b.tableName(table)
                        .key(items.lock(lock.name()))
                        .consistentRead(true)
                        .projectionExpression("#owner, #token, #lease")
                        .expressionAttributeNames(Names.of("#owner, #token, #lease")))
                .item();
        return item != null
                && item.containsKey("owner")
                && Codec.number(item, "token") == lock.token()
                && Codec.number(item, "lease") > clock.millis();
    }

    /** One conditional write; the item stays, with its token. */
    void unlock(Lock lock) {
        try {
            db.updateItem(b -> b.tableName(table)
                    .key(items.lock(lock.name()))
                    .updateExpression(RELEASE)
                    .conditionExpression(HELD)
                    .expressionAttributeNames(Names.of(RELEASE, HELD))
                    .expressionAttributeValues(Map.of(":token", n(lock.token()))));
        } catch (ConditionalCheckFailedException stale) {
            // another grant holds it now, or nobody: nothing to release
        }
    }

    private static Map<String, AttributeValue> with(Map<String, AttributeValue> a, Map<String, AttributeValue> b) {
        Map<String, AttributeValue> all = new HashMap<>(a);
        all.putAll(b);
        return all;
    }
}
