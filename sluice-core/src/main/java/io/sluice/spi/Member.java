package io.sluice.spi;

import java.util.Objects;

/**
 * One piece of input inside a split: a file (or a byte range of it), later a key range or a partition's offsets.
 *
 * @param key         where the input lives, relative to the source (a path, a partition)
 * @param fingerprint identifies the version of the input (size + mtime, an ETag, a head hash)
 * @param start       first byte (or offset) included
 * @param end         first byte (or offset) excluded; {@link #WHOLE} for "to the end"
 * @param digest      sha256 of the content when content dedupe is on, else null
 */
public record Member(String key, String fingerprint, long start, long end, String digest) {
    public static final long WHOLE = -1;

    public Member {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(fingerprint, "fingerprint");
        if (start < 0) throw new IllegalArgumentException("start must be >= 0: " + start);
        if (end != WHOLE && end < start) throw new IllegalArgumentException("end " + end + " < start " + start);
    }

    public static Member whole(String key, String fingerprint, String digest) {
        return new Member(key, fingerprint, 0, WHOLE, digest);
    }

    public boolean isWhole() {
        return start == 0 && end == WHOLE;
    }
}
