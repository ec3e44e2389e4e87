package io.sluice.sources.files;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A tailed range's mark: a hash of its last bytes (up to {@value #BYTES}), taken when the range is planned and carried
 * in its split's payload. A log that starts with the same {@value TailPlanner#IDENTITY_BYTES} bytes every time it is
 * started (a banner) is still the same log after it was truncated and written again, so a range planned before that
 * would read the new bytes at its offsets: lines the new generation's own ranges read too, cut at offsets that are no
 * line ends of theirs. The reader compares the bytes it copied with the mark. A split planned by an earlier Sluice
 * carries none, and is read as before.
 */
final class EndMarks {
    /** How many of a range's last bytes its mark hashes: its last line, or a few, in a log. */
    static final int BYTES = 256;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FIELD = "end_marks";

    private EndMarks() {}

    /**
     * The bytes a range planned in a log are no longer in it: the log was truncated since (and maybe written again).
     * Nothing holds them any more, so the range is left out, named, not retried.
     */
    static final class Gone extends IOException {
        Gone(String message) {
            super(message);
        }
    }

    /** The mark of the bytes {@code [start, end)} of an open log. */
    static String of(FileChannel ch, long start, long end) throws IOException {
        long from = Math.max(start, end - BYTES);
        ByteBuffer buf = ByteBuffer.allocate((int) (end - from));
        while (buf.hasRemaining() && ch.read(buf, from + buf.position()) > 0) {
            // positional reads until the window is full
        }
        return hash(buf.array(), buf.position());
    }

    /** The mark of a spool's last {@code rangeBytes} bytes (a csv range's spool starts with its header line). */
    static String ofSpool(Path spool, long rangeBytes) throws IOException {
        try (FileChannel ch = FileChannel.open(spool, StandardOpenOption.READ)) {
            long end = ch.size();
            return of(ch, end - rangeBytes, end);
        }
    }

    /** The payload of a split of tailed ranges: their marks, in the members' order; null when none has one. */
    static String payload(List<String> marks) {
        if (marks.stream().allMatch(java.util.Objects::isNull)) return null;
        try {
            return JSON.writeValueAsString(Map.of(FIELD, marks));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The marks of {@code members} of a split (some of its members, or all), null for a range that has none. */
    static List<String> of(Split split, List<Member> members) {
        List<String> all = of(split);
        List<String> out = new ArrayList<>();
        for (Member m : members) out.add(all.get(split.members().indexOf(m)));
        return out;
    }

    /** The marks of a split's members; nulls for a split without them (planned by an earlier Sluice). */
    static List<String> of(Split split) {
        List<String> marks = new ArrayList<>(Collections.nCopies(split.members().size(), null));
        if (split.payload() == null) return marks;
        JsonNode node;
        try {
            node = JSON.readTree(split.payload()).get(FIELD);
        } catch (IOException e) {
            return marks;
        }
        if (node == null || node.size() != marks.size()) return marks;
        for (int i = 0; i < marks.size(); i++)
            marks.set(i, node.get(i).isNull() ? null : node.get(i).asText());
        return marks;
    }

    private static String hash(byte[] bytes, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(bytes, 0, length);
            return HexFormat.of().formatHex(md.digest(), 0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
