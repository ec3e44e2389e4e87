package io.sluice.spi;

import java.util.List;
import java.util.Objects;

/**
 * One unit of work. Planned when the source is listed and never changed once registered in the ledger:
 * a replay reads the same members and replaces the same output.
 *
 * @param id        stable across runs and machines
 * @param members   the inputs, in reading order
 * @param bytes     total input size, for progress and packing
 * @param payload   what the source needs to read the split, serialised by its connector (JSON by convention); the
 *                  ledger stores it as it is and the core never parses it. Null: none
 * @param outputKey what the split's output stands for, so that a later version of it replaces this one's; null for
 *                  work whose outputs add up and are never replaced (a tailed log's ranges)
 */
public record Split(String id, List<Member> members, long bytes, String payload, OutputKey outputKey) {
    public Split {
        Objects.requireNonNull(id, "id");
        if (id.isBlank()) throw new IllegalArgumentException("split id must not be blank");
        members = List.copyOf(members);
        if (members.isEmpty()) throw new IllegalArgumentException("split " + id + " has no members");
        if (bytes < 0) throw new IllegalArgumentException("bytes must be >= 0");
    }

    /** A split without payload or output key. */
    public Split(String id, List<Member> members, long bytes) {
        this(id, members, bytes, null, null);
    }
}
