package io.sluice.ledger.dynamodb;

import io.sluice.ledger.Registration;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The items of one pipeline. Each kind shares a partition key ({@code <pipeline>#split}, {@code #ident},
 * {@code #latest}, {@code #digest}, {@code #meta}, {@code #worker}, {@code #leader}, {@code #lock}) so that a reset can find them
 * with a query; sort keys that could outgrow DynamoDB's 1 KB limit (paths) are their sha256.
 *
 * <p>Splits are also indexed by state in the {@code by_state} index ({@code st = <pipeline>#<state>}, sorted by
 * registration {@code seq}): claims, counts and status read it.
 */
final class Items {
    static final String PK = "pk";
    static final String SK = "sk";
    static final String BY_STATE = "by_state";
    static final String ST = "st";
    static final String SEQ = "seq";
    /** A split whose registration spans several transactions: invisible to claims until it is whole. */
    static final String REGISTERING = "registering";
    /** A split being replaced: out of the state index, holding what is left to write ({@link Replacement}). */
    static final String REPLACED = "replaced";
    /**
     * A split forgotten by a replace: only its last token stays, so that a split registered later under its id
     * continues from it (tokens count per split) and no claim of the forgotten split can match the new one.
     */
    static final String FORGOTTEN = "forgotten";
    /**
     * On a split's item, the splits of its inputs' registrations before it: a map from split id to the positions of
     * those inputs among the split's members ("0,2"; positions, not keys, so that a pack of a thousand files planned
     * again stays far from the 400 KB an item holds). Written at registration; {@code latestDone} walks back along
     * them. Splits registered before these links, and replacements, have none.
     */
    static final String PREVIOUS = "prev";

    private final String pipeline;

    Items(String pipeline) {
        this.pipeline = pipeline;
    }

    Map<String, AttributeValue> split(String id) {
        return key("split", id);
    }

    Map<String, AttributeValue> ident(Registration.Identity i) {
        return key("ident", sha256(i.key() + '\0' + i.fingerprint() + '\0' + i.start()));
    }

    Map<String, AttributeValue> latest(String memberKey) {
        return key("latest", sha256(memberKey));
    }

    Map<String, AttributeValue> digest(String sha) {
        return key("digest", sha);
    }

    Map<String, AttributeValue> meta() {
        return key("meta", "meta");
    }

    Map<String, AttributeValue> worker(String id) {
        return key("worker", id);
    }

    Map<String, AttributeValue> leader() {
        return key("leader", "leader");
    }

    Map<String, AttributeValue> lock(String name) {
        return key("lock", sha256(name));
    }

    /** The partition of one kind of item, e.g. {@code p#split}. */
    String partition(String kind) {
        return pipeline + "#" + kind;
    }

    /** The by_state index value of a split in this state. */
    String st(String state) {
        return pipeline + "#" + state;
    }

    private Map<String, AttributeValue> key(String kind, String sk) {
        return Map.of(PK, s(partition(kind)), SK, s(sk));
    }

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
