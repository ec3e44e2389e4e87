package io.sluice.spi.storage;

import java.util.Objects;

/** When a write may happen: always, only when nothing is at the key, or only over one version of the object. */
public sealed interface WriteCondition {

    static WriteCondition none() {
        return None.INSTANCE;
    }

    /** S3 {@code If-None-Match: *}, GCS {@code ifGenerationMatch=0}, Azure {@code If-None-Match: *}. */
    static WriteCondition ifAbsent() {
        return IfAbsent.INSTANCE;
    }

    /** Only over this version of the object (S3 {@code If-Match}, GCS generation, Azure ETag). */
    static WriteCondition ifVersion(String version) {
        return new IfVersion(version);
    }

    enum None implements WriteCondition {
        INSTANCE
    }

    enum IfAbsent implements WriteCondition {
        INSTANCE
    }

    record IfVersion(String version) implements WriteCondition {
        public IfVersion {
            Objects.requireNonNull(version, "version");
        }
    }
}
