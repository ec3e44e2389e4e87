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
    private static final String HEAD_ENDS = "head_ends";

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

    /**
     * What a tailed range's split keeps of it: its {@code mark} and {@code headEnd}, where the first range of its log's
     * generation ends, whose head types the log's every range (null for a range of an earlier Sluice, which recorded
     * none: it takes the bytes before it as head).
     */
    record Noted(String mark, Long headEnd) {}

    /** The payload of a split of tailed ranges: what is noted of each, in the members' order; null when nothing is. */
    static String payload(List<Noted> noted) {
        if (noted.stream().allMatch(n -> n.mark() == null && n.headEnd() == null)) return null;
        Map<String, Object> payload = new java.util.LinkedHashMap<>();
        payload.put(FIELD, noted.stream().map(Noted::mark).toList());
        payload.put(HEAD_ENDS, noted.stream().map(Noted::headEnd).toList());
        try {
            return JSON.writeValueAsString(payload);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What is noted of {@code members} of a split (some of its members, or all). */
    static List<Noted> of(Split split, List<Member> members) {
        List<Noted> all = of(split);
        List<Noted> out = new ArrayList<>();
        for (Member m : members) out.add(all.get(split.members().indexOf(m)));
        return out;
    }

    /** What is noted of a split's members; nulls for what a split of an earlier Sluice does not carry. */
    static List<Noted> of(Split split) {
        int n = split.members().size();
        List<Noted> noted = new ArrayList<>(Collections.nCopies(n, new Noted(null, null)));
        if (split.payload() == null) return noted;
        JsonNode node;
        try {
            node = JSON.readTree(split.payload());
        } catch (IOException e) {
            return noted;
        }
        JsonNode marks = node.get(FIELD);
        JsonNode heads = node.get(HEAD_ENDS);
        for (int i = 0; i < n; i++) {
            noted.set(
                    i,
                    new Noted(
                            at(marks, i, n) == null ? null : at(marks, i, n).asText(),
                            at(heads, i, n) == null ? null : at(heads, i, n).asLong()));
        }
        return noted;
    }

    /** The {@code i}th of a list of {@code n} values, null when it is null or the list is absent or not of {@code n}. */
    private static JsonNode at(JsonNode list, int i, int n) {
        return list == null || list.size() != n || list.get(i).isNull() ? null : list.get(i);
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
