package io.sluice.storage.gcs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.spi.storage.ObjectChangedException;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.ObjectStores;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import java.io.IOException;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A one-request write whose answer was lost after it landed: the client sends it again (a request with a generation
 * condition is "conditionally idempotent" in GCS's retry strategy), and the retry fails the write's own condition
 * (412). The write is done, as on S3. Against {@link GcsStandIn} (this project's HTTP stand-in for GCS, not Google's
 * server), which lands the first insert and answers it 503, so the retry is the client's own.
 */
class GcsLostAnswerTest {
    private GcsStandIn gcs;
    private ObjectStore store;

    @BeforeEach
    void open() throws IOException {
        gcs = new GcsStandIn();
        gcs.createBucket("kit");
        store = ObjectStores.open(
                "gs://kit/" + UUID.randomUUID() + "/", Map.of("gcs", Map.of("endpoint", gcs.endpoint())));
    }

    @AfterEach
    void close() throws IOException {
        store.close();
        gcs.close();
    }

    @Test
    void aConditionalWriteWhoseRetryMetItsOwnObjectIsDone() throws IOException {
        gcs.lostInsertAnswers.set(1);

        StoredObject written = store.write("m.json", "{\"a\":1}".getBytes(UTF_8), WriteCondition.ifAbsent());

        assertThat(gcs.lostInsertAnswers).as("the first answer was lost").hasValue(0);
        assertThat(gcs.requests.stream().filter(r -> r.startsWith("POST /upload/")))
                .as("the client sent the insert again")
                .hasSize(2);
        assertThat(store.stat("m.json").orElseThrow().version()).isEqualTo(written.version());
    }

    @Test
    void anotherWritersBytesAreStillARefusal() throws IOException {
        store.write("m.json", "theirs".getBytes(UTF_8), WriteCondition.ifAbsent());

        assertThatThrownBy(() -> store.write("m.json", "mine".getBytes(UTF_8), WriteCondition.ifAbsent()))
                .isInstanceOf(ObjectChangedException.class)
                .hasMessageContaining("exists already");
    }
}
