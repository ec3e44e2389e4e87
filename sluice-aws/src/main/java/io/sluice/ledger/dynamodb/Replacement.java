package io.sluice.ledger.dynamodb;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.ledger.LedgerRows;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a replace writes once it has committed, recorded in the replaced split's item: the registration lock holder
 * that finishes it (this one, or the next if this one dies) needs nothing else ({@link Registrar}). The item holds
 * the replaced split's members already; the replacements name theirs by place in that list, so that the plan of a
 * large pack stays small beside it (an item holds at most 400 KB).
 *
 * @param splits    the replacements, each with the seq and the first token it was given
 * @param others    the members of replacements that the replaced split does not hold, as {@link LedgerRows#membersJson} writes them
 * @param digests   the content digests the replacements are the first to hold, by digest, with the key that owns it
 * @param fallbacks the inputs of the replaced split that no replacement holds and whose latest registration it was,
 *                  each with its registration before (null when there was none)
 */
record Replacement(List<Planned> splits, String others, Map<String, String> digests, Map<String, Earlier> fallbacks) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A replacement: its item starts with {@code token}; {@code members} are places in the replaced split's members
     * followed by {@link #others}. (Replaces recorded by a Sluice before payloads and output keys have neither: null.)
     */
    record Planned(
            String id, long bytes, long seq, long token, List<Integer> members, String payload, OutputKey outputKey) {}

    /** An input's registration: its version and range, and the split that holds it. */
    record Earlier(String fingerprint, long start, long end, String split) {}

    /** The plan for these replacements of {@code replaced}, seqs following {@code lastSeq}, tokens as given. */
    static Replacement plan(
            Split replaced,
            List<Split> replacements,
            long lastSeq,
            Map<String, Long> tokens,
            Map<String, String> digests,
            Map<String, Earlier> fallbacks) {
        Map<Member, Integer> places = new HashMap<>();
        List<Member> all = new ArrayList<>(replaced.members());
        for (int i = 0; i < all.size(); i++) places.putIfAbsent(all.get(i), i);
        List<Planned> splits = new ArrayList<>();
        for (Split s : replacements) {
            List<Integer> members = s.members().stream()
                    .map(m -> places.computeIfAbsent(m, added -> {
                        all.add(added);
                        return all.size() - 1;
                    }))
                    .toList();
            splits.add(
                    new Planned(s.id(), s.bytes(), ++lastSeq, tokens.get(s.id()), members, s.payload(), s.outputKey()));
        }
        List<Member> others = all.subList(replaced.members().size(), all.size());
        return new Replacement(splits, LedgerRows.membersJson(others), digests, fallbacks);
    }

    /** The replacements as splits, each with the seq and token it was given. */
    List<Replaced> replacements(Split replaced) {
        List<Member> all = new ArrayList<>(replaced.members());
        all.addAll(LedgerRows.members(others));
        return splits.stream()
                .map(p -> new Replaced(
                        new Split(
                                p.id(),
                                p.members().stream().map(all::get).toList(),
                                p.bytes(),
                                p.payload(),
                                p.outputKey()),
                        p.seq(),
                        p.token()))
                .toList();
    }

    /** A replacement with its place in claim order and its first token. */
    record Replaced(Split split, long seq, long token) {}

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
