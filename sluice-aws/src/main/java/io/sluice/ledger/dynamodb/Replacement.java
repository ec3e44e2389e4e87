package io.sluice.ledger.dynamodb;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.ledger.LedgerRows;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * What a replace writes once it has committed, recorded in the replaced split's item: the registration lock holder
 * that finishes it (this one, or the next if this one dies) needs nothing else ({@link Registrar}).
 *
 * @param splits    the replacements, each with the seq it was given
 * @param digests   the content digests they are the first to hold, by digest, with the key that owns it
 * @param fallbacks the inputs of the replaced split that no replacement holds and whose latest registration it was,
 *                  each with its registration before (null when there was none)
 */
record Replacement(List<Planned> splits, Map<String, String> digests, Map<String, Earlier> fallbacks) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A replacement: its item starts with {@code token}; {@code members} as {@link LedgerRows#membersJson} writes them.
     * (Replaces recorded by a Sluice before payloads and output keys have neither: null.)
     */
    record Planned(String id, long bytes, long seq, long token, String members, String payload, OutputKey outputKey) {
        Split split() {
            return new Split(id, LedgerRows.members(members), bytes, payload, outputKey);
        }
    }

    /** An input's registration: its version and range, and the split that holds it. */
    record Earlier(String fingerprint, long start, long end, String split) {
    }

    String json() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Replacement of(String json) {
        try {
            return JSON.readValue(json, Replacement.class);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
