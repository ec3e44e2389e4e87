package io.sluice.kubernetes.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.Ledger;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/**
 * The Queries of the generated KEDA {@code aws-dynamodb} triggers, run as KEDA runs them (one Query, its item count,
 * no filter) against a real DynamoDB Local holding a real DynamoDB ledger: each counts its pipeline's splits in one
 * state, another pipeline's in the same table left out.
 */
class ScalingDynamoTest {
    private static DynamoDBProxyServer server;

    private static int port;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        server = ServerRunner.createServerFromCommandLineArgs(
                new String[] {"-inMemory", "-disableTelemetry", "-port", "" + port});
        server.start();
        // the ledger takes the AWS default chain, as in a pod; DynamoDB Local takes any key
        System.setProperty("aws.accessKeyId", "test");
        System.setProperty("aws.secretAccessKey", "test");
    }

    @AfterAll
    static void stop() throws Exception {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        server.stop(); // its threads are not daemons
        // DynamoDB Local writes this into the working folder (this module's), telemetry off or not
        Files.deleteIfExists(Path.of("dynamodb-local-metadata.json"));
    }

    @Test
    void theTriggersCountTheOpenSplitsOfTheirPipelineByState() throws Exception {
        Pipeline orders = pipeline("orders");
        Manifests.Generated g = Manifests.generate(
                PipelineFacts.of(orders), GenerateOptions.of(GenerateOptions.Mode.POOL, "sluice:1", "data"));
        List<String> kinds = g.objects().stream().map(HasMetadata::getKind).toList();
        assertThat(kinds).contains("TriggerAuthentication", "ScaledObject", "CronJob");
        assertThat(ManifestChecks.check(GenerateExamplesTest.readBack(g.objects())))
                .isEmpty();
        Map<String, Map<?, ?>> triggers = triggers(g);
        assertThat(triggers.keySet()).containsExactly("pending", "claimed", "failed");

        try (Ledger ledger = Assembly.openLedger(orders, Components.discover(), Clock.systemUTC());
                Ledger other = Assembly.openLedger(pipeline("other"), Components.discover(), Clock.systemUTC());
                DynamoDbClient db = client()) {
            assertThat(counts(db, triggers)).containsExactly(0L, 0L, 0L);
            ledger.register(List.of(split("a"), split("b"), split("c"), split("d"), split("e"), split("f")));
            other.register(List.of(split("x"), split("y")));
            assertThat(counts(db, triggers)).as("pending, claimed, failed").containsExactly(6L, 0L, 0L);

            Claim a = claim(ledger, "a");
            assertThat(counts(db, triggers)).as("a claimed: in flight").containsExactly(5L, 1L, 0L);
            ledger.complete(a, new Completion(1, 1, 0, List.of(), orders.version()));
            assertThat(counts(db, triggers)).as("a done").containsExactly(5L, 0L, 0L);

            ledger.fail(claim(ledger, "b"), "boom", Optional.of(Instant.now().plus(Duration.ofHours(1))));
            ledger.fail(claim(ledger, "c"), "boom", Optional.of(Instant.now().minusSeconds(1)));
            assertThat(counts(db, triggers))
                    .as("b and c failed, retries to come: a worker stays for them")
                    .containsExactly(3L, 0L, 2L);

            ledger.fail(claim(ledger, "d"), "boom", Optional.empty());
            assertThat(counts(db, triggers)).as("d dead").containsExactly(2L, 0L, 2L);
        }
    }

    /** The triggers of the generated ScaledObject by the state each counts (the state is the end of its :st value). */
    private static Map<String, Map<?, ?>> triggers(Manifests.Generated g) {
        GenericKubernetesResource scaled = (GenericKubernetesResource) g.objects().stream()
                .filter(o -> o.getKind().equals("ScaledObject"))
                .findFirst()
                .orElseThrow();
        Map<?, ?> spec = (Map<?, ?>) scaled.getAdditionalProperties().get("spec");
        assertThat(spec.get("minReplicaCount")).isEqualTo(0);
        Map<String, Map<?, ?>> out = new LinkedHashMap<>();
        for (Object t : (List<?>) spec.get("triggers")) {
            Map<?, ?> trigger = (Map<?, ?>) t;
            assertThat(trigger.get("type")).isEqualTo("aws-dynamodb");
            assertThat(trigger.get("authenticationRef")).isEqualTo(Map.of("name", "orders-worker"));
            Map<?, ?> meta = (Map<?, ?>) trigger.get("metadata");
            assertThat(meta.get("tableName")).isEqualTo("sluice-ledger");
            assertThat(meta.get("awsEndpoint")).isEqualTo("http://127.0.0.1:" + port);
            String st = (String) meta.get("expressionAttributeValues");
            out.put(st.substring(st.indexOf('#') + 1, st.indexOf("\"}")), meta);
        }
        return out;
    }

    /** Each trigger's count, as KEDA gets it: one Query with its metadata, the response's Count. */
    private static List<Long> counts(DynamoDbClient db, Map<String, Map<?, ?>> triggers) throws Exception {
        ObjectMapper json = new ObjectMapper();
        return triggers.values().stream()
                .map(meta -> {
                    try {
                        Map<String, String> names = new LinkedHashMap<>();
                        json.readTree((String) meta.get("expressionAttributeNames"))
                                .properties()
                                .forEach(e -> names.put(e.getKey(), e.getValue().asText()));
                        Map<String, AttributeValue> values = new LinkedHashMap<>();
                        for (var e : json.readTree((String) meta.get("expressionAttributeValues"))
                                .properties()) {
                            JsonNode v = e.getValue();
                            values.put(
                                    e.getKey(), AttributeValue.fromS(v.get("S").asText()));
                        }
                        return (long) db.query(QueryRequest.builder()
                                        .tableName((String) meta.get("tableName"))
                                        .indexName((String) meta.get("indexName"))
                                        .keyConditionExpression((String) meta.get("keyConditionExpression"))
                                        .expressionAttributeNames(names)
                                        .expressionAttributeValues(values)
                                        .build())
                                .count();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                })
                .toList();
    }

    private static DynamoDbClient client() {
        return DynamoDbClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .build();
    }

    private static Claim claim(Ledger ledger, String id) {
        return ledger.claim(id, "w1", Duration.ofMinutes(1)).orElseThrow();
    }

    private static Split split(String id) {
        return new Split(id, List.of(Member.whole(id + ".csv", "v1", null)), 1);
    }

    /** A long ledger timeout: DynamoDB Local's first calls (the table made) outlast the 10 s default under load. */
    private Pipeline pipeline(String name) throws Exception {
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, """
                pipeline: %s
                source: { files: { path: "s3://in/" } }
                sink: { files: { path: "s3://out/" } }
                state:
                  dynamodb: { table: sluice-ledger, region: us-east-1, endpoint: "http://127.0.0.1:%d", timeout: 60s }
                """.formatted(name, port));
        return new PipelineLoader(Components.discover(), Map.<String, String>of()::get).load(file);
    }
}
