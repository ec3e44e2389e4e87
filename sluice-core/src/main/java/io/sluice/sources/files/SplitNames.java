package io.sluice.sources.files;

import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * How the files source names its splits and what their outputs stand for ({@link OutputKey}). Ids are stable across
 * planners (the same files give the same id) and readable:
 * <ul>
 *   <li>A whole file: id {@code KEY}, or {@code KEY@FINGERPRINT} for a later version. In ids, a key's {@code #} and
 *       {@code @} are doubled ({@link #inId}). Output key: the file's key;
 *       version: its fingerprint.</li>
 *   <li>A byte range: {@code KEY#START-END}, or {@code KEY#START-END@FINGERPRINT}. Output key: the file's key and
 *       range; version: its fingerprint.</li>
 *   <li>A pack: {@code pack:FIRST+N:HASH8}, or {@code PACKID@HASH16} when one of its files changed and the pack was
 *       planned again with all its files. Output key: the first pack's id; version: the suffix (a hash of the members'
 *       fingerprints), empty for the first.</li>
 * </ul>
 * Nothing parses an id: the output key rides on the split.
 */
final class SplitNames {
    private SplitNames() {}

    /**
     * A key as ids hold it: {@code #} and {@code @}, which start a range and a version in an id, doubled, so that no
     * file's id is another's (a file named {@code big.csv#0-1028} and the first range of {@code big.csv}; a file named
     * {@code a.csv@6:1700000000000} and a later version of {@code a.csv}): the ledger refused the second id, and every
     * plan failed. Keys without them keep the ids earlier Sluice versions gave them.
     */
    static String inId(String key) {
        return key.replace("#", "##").replace("@", "@@");
    }

    /** A whole file; {@code later}: a version after the first. */
    static Split file(Member m, long bytes, boolean later, String payload) {
        return new Split(
                later ? inId(m.key()) + "@" + m.fingerprint() : inId(m.key()),
                List.of(m),
                bytes,
                payload,
                new OutputKey(m.key(), m.fingerprint(), 0, Member.WHOLE));
    }

    /** A byte range of a file; {@code later}: a version after the first. */
    static Split range(Member m, boolean later, String payload) {
        String id = inId(m.key()) + "#" + m.start() + "-" + m.end();
        return new Split(
                later ? id + "@" + m.fingerprint() : id,
                List.of(m),
                m.end() - m.start(),
                payload,
                new OutputKey(m.key(), m.fingerprint(), m.start(), m.end()));
    }

    /** The first pack of these files (at least two), named by the first file, their number and their hash. */
    static Split pack(List<Member> members, long bytes, String payload) {
        if (members.size() < 2) throw new IllegalArgumentException("a pack holds at least two files");
        String id = "pack:" + members.getFirst().key() + "+" + (members.size() - 1) + ":" + hash(members, 8);
        return new Split(id, members, bytes, payload, new OutputKey(id, "", 0, Member.WHOLE));
    }

    /**
     * The version of a pack planned again whose files are now these (keys and current fingerprints), after the split
     * {@code previous} (the pack's registration before): the same files in the same versions planned again later (a
     * file that returned to an earlier version) make a new version.
     */
    static String repackVersion(List<Member> current, String previous) {
        List<Member> all = new java.util.ArrayList<>(current);
        all.add(Member.whole(previous, "", null));
        return hash(all, 16);
    }

    /** A later version of the pack whose output key is {@code packKey}, holding these members. */
    static Split repack(String packKey, String version, List<Member> members, long bytes, String payload) {
        return new Split(
                packKey + "@" + version, members, bytes, payload, new OutputKey(packKey, version, 0, Member.WHOLE));
    }

    /** A first pack (not one planned again), which {@link FilesSource#divide} may cut. */
    static boolean firstPack(Split split) {
        return split.members().size() > 1
                && split.outputKey() != null
                && split.outputKey().key().equals(split.id());
    }

    /** The first {@code hexChars} of the sha256 of the members' keys and fingerprints. */
    private static String hash(List<Member> members, int hexChars) {
        StringBuilder all = new StringBuilder();
        members.forEach(
                m -> all.append(m.key()).append('\0').append(m.fingerprint()).append('\n'));
        try {
            byte[] d =
                    MessageDigest.getInstance("SHA-256").digest(all.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, hexChars);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
