package io.sluice.sources.files;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * The payload of a csv or JSON lines byte range that does not start at the top of its file: a csv file's header line,
 * read once while planning, so that reading the range is one ranged GET (the spool is the header, then the range), and
 * where the file's first range ends, whose head gives every range its columns. Other splits carry no payload: their
 * members say all there is to read. A split without payload (one planned by an older Sluice) or without a header (too
 * long to carry) reads the header from the file, and one without the first range's end takes the head up to its own
 * start.
 */
final class RangePayload {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A longer header is read from the file when the range is read, not kept in the ledger with every range. */
    private static final int MAX_HEADER = 16 << 10;

    private RangePayload() {}

    /**
     * The payload of the ranges of this file after its first, which ends at {@code firstEnd}; with its header line when
     * {@code header} (csv with a header).
     */
    static String of(Storage storage, FilesSource.Found f, long firstEnd, boolean header) throws IOException {
        Map<String, Object> payload = new java.util.LinkedHashMap<>();
        byte[] line = header ? storage.headerLine(f.key(), f.fingerprint(), false) : null;
        if (line != null && line.length <= MAX_HEADER)
            payload.put("header", Base64.getEncoder().encodeToString(line));
        payload.put("head_end", firstEnd);
        return JSON.writeValueAsString(payload);
    }

    /** Where the file's first range ends, as a payload says; empty when it does not. */
    static java.util.OptionalLong headEnd(String payload) throws IOException {
        JsonNode end = payload == null ? null : JSON.readTree(payload).get("head_end");
        return end == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(end.asLong());
    }

    /** The header line a payload carries. */
    static Optional<byte[]> header(String payload) throws IOException {
        if (payload == null) return Optional.empty();
        JsonNode header = JSON.readTree(payload).get("header");
        return header == null
                ? Optional.empty()
                : Optional.of(Base64.getDecoder().decode(header.asText()));
    }
}
