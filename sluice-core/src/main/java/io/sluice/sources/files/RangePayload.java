package io.sluice.sources.files;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * The payload of a CSV byte range that does not start at the top of its file: the file's header line, read once
 * while planning, so that reading the range is one ranged GET (the spool is the header, then the range). Other splits
 * carry no payload: their members say all there is to read. A split without payload (one planned by an older Sluice,
 * or with a header too long to carry) reads the header from the file.
 */
final class RangePayload {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A longer header is read from the file when the range is read, not kept in the ledger with every range. */
    private static final int MAX_HEADER = 16 << 10;

    private RangePayload() {}

    /** The payload of the ranges of this file after its first, or null when its header is too long to carry. */
    static String of(Storage storage, FilesSource.Found f) throws IOException {
        byte[] header = storage.headerLine(f.key(), f.fingerprint(), false);
        if (header.length > MAX_HEADER) return null;
        return JSON.writeValueAsString(Map.of("header", Base64.getEncoder().encodeToString(header)));
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
