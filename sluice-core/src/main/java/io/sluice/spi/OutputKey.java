package io.sluice.spi;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a split's output stands for, so that a new version of an input replaces the output of its earlier version
 * instead of being added beside it. The files source names its splits by the rules here, and a sink reads them back
 * from the split (its id and members, all a ledger keeps), so planner and sink agree without storing anything more.
 *
 * <ul>
 *   <li>A whole file: id {@code KEY}, or {@code KEY@FINGERPRINT} for a later version. Output key: the file's key;
 *       version: its fingerprint.</li>
 *   <li>A byte range: {@code KEY#START-END}, or {@code KEY#START-END@FINGERPRINT}. Output key: the file's key;
 *       version: its fingerprint; the range tells the ranges of one version apart.</li>
 *   <li>A pack: {@code pack:FIRST+N:HASH8}, or {@code pack:FIRST+N:HASH8@HASH16} when one of its files changed and the
 *       pack was planned again with all its files. Output key: the first pack's id; version: the suffix (a hash of the
 *       members' fingerprints), empty for the first.</li>
 * </ul>
 *
 * Other ids (a tailed log's ranges, other sources) have no output key: their outputs are never replaced by another
 * split's.
 *
 * @param key     stable across the versions of the input
 * @param version which version of it; two outputs of one key with different versions never both stay
 * @param start   first byte of the input the output holds
 * @param end     first byte after it; {@link Member#WHOLE} for all of it
 */
public record OutputKey(String key, String version, long start, long end) {
    private static final Pattern PACK = Pattern.compile("pack:.+\\+(\\d+):[0-9a-f]{8}");
    private static final Pattern REPACK = Pattern.compile("(pack:.+\\+\\d+:[0-9a-f]{8})@([0-9a-f]{16})");

    public OutputKey {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(version, "version");
    }

    /** The output key of a split, if its id follows the rules above. */
    public static Optional<OutputKey> of(Split split) {
        return of(split.id(), split.members());
    }

    /** The output key of a registered split known by its id and one of its members (a {@link KnownMember}). */
    public static Optional<OutputKey> of(KnownMember known) {
        return of(known.splitId(), List.of(new Member(known.key(), known.fingerprint(), known.start(), known.end(), null)));
    }

    private static Optional<OutputKey> of(String id, List<Member> members) {
        if (members.size() == 1) {
            Member m = members.getFirst();
            String prefix = m.isWhole() ? m.key() : m.key() + "#" + m.start() + "-" + m.end();
            if (id.equals(prefix) || id.equals(prefix + "@" + m.fingerprint())) {
                return Optional.of(new OutputKey(m.key(), m.fingerprint(), m.start(), m.end()));
            }
        }
        if (PACK.matcher(id).matches()) return Optional.of(new OutputKey(id, "", 0, Member.WHOLE));
        Matcher repack = REPACK.matcher(id);
        if (repack.matches()) return Optional.of(new OutputKey(repack.group(1), repack.group(2), 0, Member.WHOLE));
        return Optional.empty();
    }

    /** True when both outputs stay: ranges of one version of one file, which do not overlap. */
    public boolean sibling(OutputKey other) {
        return key.equals(other.key) && version.equals(other.version)
                && (before(this, other) || before(other, this));
    }

    private static boolean before(OutputKey a, OutputKey b) {
        return a.end != Member.WHOLE && a.end <= b.start;
    }

    /**
     * The fingerprint under which a pack planned again registers a file that did not change: its own, tagged with the
     * pack's new version, so that the registration is new (one version of one file is registered once per ledger).
     */
    public static String carried(String fingerprint, String packVersion) {
        return fingerprint + "~" + packVersion;
    }

    /** The version of the input a member's fingerprint stands for, without the tag of {@link #carried}. */
    public static String fileVersion(String fingerprint) {
        int tag = fingerprint.indexOf('~');
        return tag < 0 ? fingerprint : fingerprint.substring(0, tag);
    }

    /** The number of files in a pack, from its output key; -1 when the key is not a pack's. */
    public static int packSize(String key) {
        Matcher m = PACK.matcher(key);
        return m.matches() ? Integer.parseInt(m.group(1)) + 1 : -1;
    }

    // ---- ids, as the files source names its splits --------------------------------------------------------

    /** A whole file; {@code later}: a version after the first. */
    public static String fileId(String key, String fingerprint, boolean later) {
        return later ? key + "@" + fingerprint : key;
    }

    /** A byte range of a file; {@code later}: a version after the first. */
    public static String rangeId(String key, long start, long end, String fingerprint, boolean later) {
        return fileId(key + "#" + start + "-" + end, fingerprint, later);
    }

    /** The first pack of these files (at least two), named by the first file, their number and their hash. */
    public static String packId(List<Member> members) {
        if (members.size() < 2) throw new IllegalArgumentException("a pack holds at least two files");
        return "pack:" + members.getFirst().key() + "+" + (members.size() - 1) + ":" + hash(members, 8);
    }

    /** A later version of the pack {@code packKey}, holding these members (keys and their current fingerprints). */
    public static String repackId(String packKey, List<Member> members) {
        if (packSize(packKey) < 0) throw new IllegalArgumentException(packKey + " is not a pack's output key");
        return packKey + "@" + hash(members, 16);
    }

    /** The first {@code hexChars} of the sha256 of the members' keys and fingerprints. */
    private static String hash(List<Member> members, int hexChars) {
        StringBuilder all = new StringBuilder();
        members.forEach(m -> all.append(m.key()).append('\0').append(m.fingerprint()).append('\n'));
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(all.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, hexChars);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
