package io.sluice.ledger.dynamodb;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/** Bulk reads: strongly consistent batch gets, a few batches at once, and queries followed page by page. */
final class Reads {
    private static final int BATCH = 100; // DynamoDB's most keys per BatchGetItem

    private final DynamoDbClient db;
    private final String table;
    private final ExecutorService pool;

    Reads(DynamoDbClient db, String table, ExecutorService pool) {
        this.db = db;
        this.table = table;
        this.pool = pool;
    }

    /** The items of these keys that exist, in no particular order. */
    List<Map<String, AttributeValue>> get(List<Map<String, AttributeValue>> keys) {
        List<Map<String, AttributeValue>> distinct = keys.stream().distinct().toList();
        List<Future<List<Map<String, AttributeValue>>>> parts = new ArrayList<>();
        for (int i = 0; i < distinct.size(); i += BATCH) {
            List<Map<String, AttributeValue>> part = distinct.subList(i, Math.min(distinct.size(), i + BATCH));
            parts.add(pool.submit(() -> getBatch(part)));
        }
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        for (Future<List<Map<String, AttributeValue>>> part : parts) items.addAll(join(part));
        return items;
    }

    private List<Map<String, AttributeValue>> getBatch(List<Map<String, AttributeValue>> keys) {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        Map<String, KeysAndAttributes> request = Map.of(
                table,
                KeysAndAttributes.builder().keys(keys).consistentRead(true).build());
        while (!request.isEmpty()) {
            Map<String, KeysAndAttributes> ask = request;
            BatchGetItemResponse r = db.batchGetItem(b -> b.requestItems(ask));
            items.addAll(r.responses().getOrDefault(table, List.of()));
            request = r.unprocessedKeys(); // under throttling; the SDK already backed off
        }
        return items;
    }

    /** Every item a query finds, following its pages. */
    void query(QueryRequest query, Consumer<Map<String, AttributeValue>> each) {
        db.queryPaginator(query).items().forEach(each);
    }

    private static <T> T join(Future<T> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SdkException sdk) throw sdk;
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the ledger", e);
        }
    }
}
