package io.sluice.spi;

import java.util.List;
import java.util.Objects;

/**
 * One unit of work. Planned when the source is listed and never changed once registered in the ledger:
 * a replay reads the same members and replaces the same output.
 *
 * @param id      stable across runs and machines; output names are derived from it
 * @param members the inputs, in reading order
 * @param bytes   total input size, for progress and packing
 */
public record Split(String id, List<Member> members, long bytes) {
    public Split {
        Objects.requireNonNull(id, "id");
        if (id.isBlank()) throw new IllegalArgumentException("split id must not be blank");
        members = List.copyOf(members);
        if (members.isEmpty()) throw new IllegalArgumentException("split " + id + " has no members");
        if (bytes < 0) throw new IllegalArgumentException("bytes must be >= 0");
    }
}
