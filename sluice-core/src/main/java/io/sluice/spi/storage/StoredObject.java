package io.sluice.spi.storage;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * An object's metadata.
 *
 * @param key          relative to the store's root
 * @param size         in bytes
 * @param lastModified when it was last written
 * @param version      what changes whenever the content does: an ETag, a generation, a version id, or for a local
 *                     file its modification time and size; reads and conditional writes name it
 * @param checksums    checksums the store keeps of the whole content, by algorithm ({@code sha256}, {@code md5},
 *                     {@code crc32c}), as lower-case hex; empty when it keeps none (a multipart ETag is not one)
 */
public record StoredObject(String key, long size, Instant lastModified, String version, Map<String, String> checksums) {
    public StoredObject {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(lastModified, "lastModified");
        Objects.requireNonNull(version, "version");
        checksums = Map.copyOf(checksums);
    }
}
