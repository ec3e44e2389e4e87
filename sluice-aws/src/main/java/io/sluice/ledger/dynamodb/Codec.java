package io.sluice.ledger.dynamodb;

import static io.sluice.ledger.dynamodb.Items.n;
import static io.sluice.ledger.dynamodb.Items.s;

import io.sluice.ledger.LedgerRows;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Split items to and from the ledger's values. */
final class Codec {
    /** The condition of a change only the claim with {@code :token} may make ({@code :claimed} = "claimed"). */
    static final String HELD = "#token = :token AND #state = :claimed";

    private Codec() {}

    /** A newly registered split: {@code state} is pending, or registering for one written in several steps. */
    static Map<String, AttributeValue> newSplit(
            Items items, Split split, long seq, long token, long now, String state, Map<String, String> newDigests) {
        Map<String, AttributeValue> item = new HashMap<>(items.split(split.id()));
        item.put(Items.ST, s(items.st(state)));
        item.put(Items.SEQ, n(seq));
        item.put("state", s(state));
        item.put("token", n(token));
        item.put("attempts", n(0));
        item.put("bytes", n(split.bytes()));
        item.put("members", s(LedgerRows.membersJson(split.members())));
        if (split.payload() != null) item.put("payload", s(split.payload()));
        if (split.outputKey() != null) item.put("okey", s(LedgerRows.outputKeyJson(split.outputKey())));
        item.put("n", n(split.members().size()));
        item.put("updated", n(now));
        if (!newDigests.isEmpty()) {
            Map<String, AttributeValue> nd = new HashMap<>();
            newDigests.forEach((d, key) -> nd.put(d, s(key)));
            item.put("nd", AttributeValue.fromM(nd)); // for whoever finishes the registration
        }
        return item;
    }

    /**
     * The split of the registration before those of the members at these positions of the split's item (one key's),
     * as {@link Items#PREVIOUS} links them; empty when none is linked.
     */
    static Optional<String> previous(Map<String, AttributeValue> item, List<Integer> positions) {
        AttributeValue links = item.get(Items.PREVIOUS);
        if (links == null) return Optional.empty();
        List<String> wanted = positions.stream().map(String::valueOf).toList();
        return links.m().entrySet().stream()
                .filter(e -> List.of(e.getValue().s().split(",")).stream().anyMatch(wanted::contains))
                .map(Map.Entry::getKey)
                .findFirst();
    }

    static Split split(Map<String, AttributeValue> item) {
        return new Split(
                item.get(Items.SK).s(),
                members(item),
                number(item, "bytes"),
                text(item, "payload"),
                LedgerRows.outputKey(text(item, "okey")));
    }

    static List<Member> members(Map<String, AttributeValue> item) {
        return LedgerRows.members(item.get("members").s());
    }

    static SplitInfo info(Map<String, AttributeValue> item) {
        SplitState state = state(item);
        return new SplitInfo(
                item.get(Items.SK).s(),
                state,
                (int) number(item, "attempts"),
                text(item, "error"),
                text(item, "owner"),
                number(item, "token"),
                instant(item, "lease"),
                instant(item, "retry"),
                number(item, "bytes"),
                (int) number(item, "n"),
                number(item, "rows_in"),
                number(item, "rows_out"),
                number(item, "rejected"),
                state == SplitState.DONE ? version(item) : null,
                instant(item, "updated"));
    }

    /** The pipeline version that made a done split; "" for one done before versions were recorded. */
    static String version(Map<String, AttributeValue> item) {
        String version = text(item, "pv");
        return version == null ? "" : version;
    }

    /**
     * A split being registered counts as pending: it becomes pending once whole, whoever finishes it. So does one
     * being replaced: its inputs are pending in its replacements once the replace is finished.
     */
    static SplitState state(Map<String, AttributeValue> item) {
        return unfinished(item)
                ? SplitState.PENDING
                : SplitState.ofLabel(item.get("state").s());
    }

    /** True when the split is still being registered or replaced: written in part, finished under the lock. */
    static boolean unfinished(Map<String, AttributeValue> item) {
        String state = item.get("state").s();
        return state.equals(Items.REGISTERING) || state.equals(Items.REPLACED);
    }

    /** True when the item (null: none) is a split claimed under this token. */
    static boolean heldBy(Map<String, AttributeValue> item, long token) {
        return item != null
                && !item.isEmpty()
                && "claimed".equals(item.get("state").s())
                && number(item, "token") == token;
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
