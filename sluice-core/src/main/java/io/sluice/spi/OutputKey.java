package io.sluice.spi;

import java.util.Objects;

/**
 * What a split's output stands for, so that a new version of an input replaces the output of its earlier version
 * instead of being added beside it. Set by the source on the split it proposes ({@link Split#outputKey}) and stored by
 * the ledger with it; {@code key} and {@code version} are the source's own strings, which no other part parses.
 *
 * @param key     stable across the versions of the input
 * @param version which version of it; two outputs of one key with different versions never both stay
 * @param start   first byte of the input the output holds
 * @param end     first byte after it; {@link Member#WHOLE} for all of it
 */
public record OutputKey(String key, String version, long start, long end) {
    public OutputKey {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(version, "version");
    }

    /** True when both outputs stay: ranges of one version of one input, which do not overlap. */
    public boolean sibling(OutputKey other) {
        return key.equals(other.key) && version.equals(other.version) && (before(this, other) || before(other, this));
    }

    private static boolean before(OutputKey a, OutputKey b) {
        return a.end != Member.WHOLE && a.end <= b.start;
    }

    /**
     * The fingerprint under which a pack planned again registers an input that did not change: its own, tagged with
     * the pack's new version, so that the registration is new (one version of one input is registered once per ledger).
     */
    public static String carried(String fingerprint, String packVersion) {
        return fingerprint + "~" + packVersion;
    }

    /**
     * The fingerprint under which a later version of an input registers: its own, tagged with a hash of the
     * fingerprint of the registration it follows ({@code previous}, with its tag), so that each registration of the
     * input's history is new, also when the input returns to a version it had before (A, then B, then A again: a file
     * restored from a backup with its modification time, an object uploaded again with the same bytes), whose output
     * must then replace B's. Planners that see the same history make the same tag.
     */
    public static String after(String fingerprint, String previous) {
        return carried(fingerprint, Digests.sha256Hex(previous, 8));
    }

    /** The version of the input a member's fingerprint stands for, without the tag of {@link #carried}. */
    public static String fileVersion(String fingerprint) {
        int tag = fingerprint.indexOf('~');
        return tag < 0 ? fingerprint : fingerprint.substring(0, tag);
    }
}
