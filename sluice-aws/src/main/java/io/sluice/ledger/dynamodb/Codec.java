package io.sluice.ledger.dynamodb;

import static io.sluice.ledger.dynamodb.Items.n;
import static io.sluice.ledger.dynamodb.Items.s;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.ledger.LedgerRows;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Split items to and from the ledger's values. */
final class Codec {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Codec() {
    }

    /** A newly registered split: {@code state} is pending, or registering for one written in several steps. */
    static Map<String, AttributeValue> newSplit(Items items, Split split, long seq, long token, long now, String state,
                                                Map<String, String> newDigests) {
        Map<String, AttributeValue> item = new HashMap<>(items.split(split.id()));
        item.put(Items.ST, s(items.st(state)));
        item.put(Items.SEQ, n(seq));
        item.put("state", s(state));
        item.put("token", n(token));
        item.put("attempts", n(0));
        item.put("bytes", n(split.bytes()));
        item.put("members", s(LedgerRows.json(split.members().stream()
                .map(m -> Arrays.asList(m.key(), m.fingerprint(), m.start(), m.end(), m.digest())).toList())));
        item.put("n", n(split.members().size()));
        item.put("updated", n(now));
        if (!newDigests.isEmpty()) {
            Map<String, AttributeValue> nd = new HashMap<>();
            newDigests.forEach((d, key) -> nd.put(d, s(key)));
            item.put("nd", AttributeValue.fromM(nd)); // for whoever finishes the registration
        }
        return item;
    }

    static List<Member> members(String json) {
        try {
            List<List<Object>> rows = JSON.readValue(json, new TypeReference<>() { });
            return rows.stream().map(r -> new Member((String) r.get(0), (String) r.get(1),
                    ((Number) r.get(2)).longValue(), ((Number) r.get(3)).longValue(), (String) r.get(4))).toList();
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Split split(Map<String, AttributeValue> item) {
        return new Split(item.get(Items.SK).s(), members(item.get("members").s()), number(item, "bytes"));
    }

    static SplitInfo info(Map<String, AttributeValue> item) {
        // not yet: the bad records and pipeline version (issue 9)
        return new SplitInfo(item.get(Items.SK).s(), state(item), (int) number(item, "attempts"), text(item, "error"),
                text(item, "owner"), number(item, "token"), instant(item, "lease"), instant(item, "retry"),
                number(item, "bytes"), (int) number(item, "n"), number(item, "rows_in"), number(item, "rows_out"), 0,
                null, instant(item, "updated"));
    }

    /** A split being registered counts as pending: it becomes pending once whole, whoever finishes it. */
    static SplitState state(Map<String, AttributeValue> item) {
        String state = item.get("state").s();
        return state.equals(Items.REGISTERING) ? SplitState.PENDING : SplitState.ofLabel(state);
    }

    static long number(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? 0 : Long.parseLong(v.n());
    }

    static Map<String, AttributeValue> keyOf(Map<String, AttributeValue> item) {
        return Map.of(Items.PK, item.get(Items.PK), Items.SK, item.get(Items.SK));
    }

    private static String text(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }

    private static Instant instant(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : Instant.ofEpochMilli(Long.parseLong(v.n()));
    }
}
