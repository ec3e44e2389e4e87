package io.sluice.ledger.redis;

import java.util.List;

/**
 * The keys of one pipeline's ledger. All carry the pipeline's name as a hash tag ({@code {name}}), so on a Redis
 * Cluster they live in one slot and every script may touch all of them.
 */
record RedisKeys(String base) {
    static RedisKeys of(String prefix, String pipeline) {
        return new RedisKeys(prefix + ":{" + pipeline + "}:");
    }

    /** The KEYS of every script, in the order common.lua names them. */
    List<Object> all() {
        return List.of(
                base + "gen",
                base + "token",
                base + "seq",
                base + "pending",
                base + "claimed",
                base + "done",
                base + "failed",
                base + "dead",
                base + "leases",
                base + "retry",
                base + "ready",
                base + "ident",
                base + "latest",
                base + "digests",
                base + "trashes",
                base + "workers",
                base + "expires",
                base + "leader",
                base + "incarnation",
                base + "tally",
                base + "locks");
    }

    /** The prefix of the per-split hashes: ARGV[1] of every script. */
    String splits() {
        return base + "s:";
    }

    String digests() {
        return base + "digests";
    }

    String bloom() {
        return base + "bloom";
    }
}
