package io.sluice.ledger.dynamodb;

import io.sluice.spi.LedgerRefusedException;
import java.util.List;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/** Creates the ledger's table on first use (on-demand capacity) and refuses a table of another shape. */
final class Table {
    private Table() {}

    static void ensure(DynamoDbClient db, DynamoDbConfig config) {
        TableDescription table;
        try {
            table = db.describeTable(b -> b.tableName(config.table())).table();
        } catch (ResourceNotFoundException missing) {
            create(db, config);
            table = db.waiter()
                    .waitUntilTableExists(b -> b.tableName(config.table()))
                    .matched()
                    .response()
                    .orElseThrow()
                    .table();
        }
        refuseForeign(table, config);
    }

    private static void create(DynamoDbClient db, DynamoDbConfig config) {
        try {
            db.createTable(b -> b.tableName(config.table())
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .keySchema(key(Items.PK, KeyType.HASH), key(Items.SK, KeyType.RANGE))
                    .attributeDefinitions(
                            attribute(Items.PK, ScalarAttributeType.S),
                            attribute(Items.SK, ScalarAttributeType.S),
                            attribute(Items.ST, ScalarAttributeType.S),
                            attribute(Items.SEQ, ScalarAttributeType.N))
                    .globalSecondaryIndexes(GlobalSecondaryIndex.builder()
                            .indexName(Items.BY_STATE)
                            .keySchema(key(Items.ST, KeyType.HASH), key(Items.SEQ, KeyType.RANGE))
                            .projection(p -> p.projectionType(ProjectionType.ALL))
                            .build()));
        } catch (ResourceInUseException another) {
            // another process is creating it at this moment: wait for it like for our own
        }
    }

    private static void refuseForeign(TableDescription table, DynamoDbConfig config) {
        boolean keys = table.keySchema().equals(List.of(key(Items.PK, KeyType.HASH), key(Items.SK, KeyType.RANGE)));
        boolean index = table.globalSecondaryIndexes().stream()
                .anyMatch(i -> i.indexName().equals(Items.BY_STATE)
                        && i.keySchema().equals(List.of(key(Items.ST, KeyType.HASH), key(Items.SEQ, KeyType.RANGE))));
        if (!keys || !index) {
            throw new LedgerRefusedException(
                    config.describe() + " exists but is not a Sluice ledger table (it needs keys pk, "
                            + "sk and the index by_state); set state.dynamodb.table to a table of its own, which Sluice "
                            + "creates",
                    null);
        }
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }

    private static AttributeDefinition attribute(String name, ScalarAttributeType type) {
        return AttributeDefinition.builder()
                .attributeName(name)
                .attributeType(type)
                .build();
    }
}
