package io.sluice.ledger.redis;

import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.spi.Ledger;
import io.sluice.spi.LedgerFactory;
import io.sluice.spi.PipelineContext;
import java.util.Optional;

/** Declares {@code state: { redis: { url, key_prefix, bloom } }}, the Redis ledger. */
public final class RedisLedgerFactory implements LedgerFactory {
    static final Type.Obj BLOOM = Type.Obj.of("A bloom filter in front of the exact digest set (`dedupe: content`).",
            Field.required("expected", Type.POSITIVE_INT, "How many digests the filter is sized for."),
            Field.optional("fpp", Type.PROBABILITY, 0.001,
                    "False-positive probability at `expected` digests; a false positive only costs an exact lookup."));

    static final Type.Obj OPTIONS = Type.Obj.of("A Redis server shared by every worker.",
            Field.required("url", Type.STRING, "`redis://host:6379/0` (`rediss://` for TLS; the path is the database "
                    + "number; `redis://user:password@host:6379/0` carries credentials)."),
            Field.computed("password", Type.STRING, "from the url, or none",
                    "Password; write `${REDIS_PASSWORD}` to keep it out of the pipeline file."),
            Field.optional("key_prefix", Type.STRING, RedisConfig.DEFAULT_KEY_PREFIX,
                    "Every key starts with `<key_prefix>:{<pipeline>}:`."),
            Field.computed("bloom", BLOOM, "none",
                    "An optional bloom filter (Redisson's, no Redis module needed) that answers \"never seen\" for "
                            + "new content digests; \"seen\" is always decided by the exact set."),
            Field.optional("timeout", Type.DURATION, RedisConfig.DEFAULT_TIMEOUT,
                    "How long a ledger call waits for Redis (connecting or answering) before it fails (the worker "
                            + "then retries with backoff)."));

    @Override
    public String kind() {
        return "redis";
    }

    @Override
    public Type options() {
        return OPTIONS;
    }

    @Override
    public String description() {
        return "A Redis server (6.2 or newer) shared by any number of workers: every ledger change is one Lua script, "
                + "fencing tokens from a counter that never falls behind the server's clock. Needs persistence (AOF) "
                + "to survive a Redis crash. "
                + "See [the Redis ledger](ledgers/redis.md).";
    }

    @Override
    public Ledger open(Object options, PipelineContext context) {
        return RedisLedger.open(config((Options) options), context.pipeline(), context.clock());
    }

    @Override
    public String describe(Object options) {
        return config((Options) options).describe();
    }

    static RedisConfig config(Options o) {
        String url = o.string("url");
        if (!url.matches("rediss?://[^/]+(/\\d+)?")) {
            throw o.problem("url", "'" + url + "' is not a Redis url; write redis://host:6379/0");
        }
        if (o.string("key_prefix").matches(".*[{}].*")) {
            throw o.problem("key_prefix", "must not contain braces: Sluice adds the pipeline's name in braces");
        }
        if (o.duration("timeout").toMillis() < 100) throw o.problem("timeout", "must be at least 100ms");
        Optional<RedisConfig.Bloom> bloom = Optional.ofNullable(o.block("bloom"))
                .map(b -> new RedisConfig.Bloom(b.integer("expected"), b.decimal("fpp")));
        return new RedisConfig(url, o.string("password"), o.string("key_prefix"), bloom, o.duration("timeout"));
    }
}
