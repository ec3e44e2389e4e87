package io.sluice.storage.gcs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.sluice.spi.storage.ObjectChangedException;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A one-request write whose answer was lost after it landed: the client sends it again (a request with a generation
 * condition is "conditionally idempotent" in GCS's retry strategy), and the retry fails the write's own condition
 * (412). The write is done, as on S3. The client's retry happens inside the {@link Storage} it builds, which the
 * in-process fake replaces, so a stand-in does what GCS does: the first conditional create lands (through the fake's
 * resumable path, the only one that gives objects a generation), then its caller gets the retry's 412.
 */
class GcsLostAnswerTest {

    @Test
    void aConditionalWriteWhoseRetryMetItsOwnObjectIsDone() throws IOException {
        AtomicBoolean lost = new AtomicBoolean();
        try (ObjectStore store = open(lost)) {
            StoredObject written = store.write("m.json", "{\"a\":1}".getBytes(UTF_8), WriteCondition.ifAbsent());

            assertThat(lost).as("the stand-in answered the retry's 412").isTrue();
            assertThat(store.stat("m.json").orElseThrow().version()).isEqualTo(written.version());
        }
    }

    @Test
    void anotherWritersBytesAreStillARefusal() throws IOException {
        AtomicBoolean lost = new AtomicBoolean();
        try (ObjectStore store = open(lost)) {
            store.write("m.json", "theirs".getBytes(UTF_8), WriteCondition.ifAbsent());

            assertThatThrownBy(() -> store.write("m.json", "mine".getBytes(UTF_8), WriteCondition.ifAbsent()))
                    .isInstanceOf(ObjectChangedException.class)
                    .hasMessageContaining("exists already");
        }
    }

    /**
     * A fake whose conditional one-request creates land, then answer 412 as the client's retry of one would; its objects
     * carry the MD5 GCS keeps of every object that is not composite (GCS docs, "Hashes and ETags"), which the fake does
     * not.
     */
    private static ObjectStore open(AtomicBoolean lost) {
        var fakeOptions = LocalStorageHelper.customOptions(false);
        Storage fake = fakeOptions.getService();
        Map<String, String> md5s = new ConcurrentHashMap<>();
        Storage gcs = (Storage) Proxy.newProxyInstance(
                Storage.class.getClassLoader(), new Class<?>[] {Storage.class}, (proxy, method, args) -> {
                    if (method.getName().equals("create")
                            && args.length == 3
                            && args[0] instanceof BlobInfo info
                            && args[1] instanceof byte[] content
                            && args[2] instanceof Storage.BlobTargetOption[] options
                            && options.length > 0) {
                        if (fake.get(info.getBlobId()) == null) {
                            fake.createFrom(info, new ByteArrayInputStream(content));
                            md5s.put(
                                    info.getName(),
                                    Base64.getEncoder()
                                            .encodeToString(MessageDigest.getInstance("MD5")
                                                    .digest(content)));
                            lost.set(true);
                        }
                        throw new StorageException(412, "conditionNotMet");
                    }
                    try {
                        Object result = method.invoke(fake, args);
                        return result instanceof Blob b && md5s.containsKey(b.getName())
                                ? b.toBuilder().setMd5(md5s.get(b.getName())).build()
                                : result;
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        GcsLocation location = GcsLocation.parse(URI.create("gs://kit/" + UUID.randomUUID() + "/"), Map.of());
        return new GcsObjectStore(
                location, fakeOptions.toBuilder().setServiceFactory(o -> gcs).build(), "none: fake", 1 << 20);
    }
}
