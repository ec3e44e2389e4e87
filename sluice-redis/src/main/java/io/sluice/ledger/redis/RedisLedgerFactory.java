package io.sluice.ledger.redis;

import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Secret;
import io.sluice.config.Type;
import io.sluice.ledger.ClockSkew;
import io.sluice.spi.Ledger;
import io.sluice.spi.LedgerFactory;
import io.sluice.spi.PipelineContext;
import java.time.Duration;

/** Declares {@code state: { redis: { url, key_prefix, bloom } }}, the Redis ledger. */
public final class RedisLedgerFactory implements LedgerFactory<Options> {
    static final Field<Long> EXPECTED =
            Field.required("expected", Type.POSITIVE_INT, "How many digests the filter is sized for.");
    static final Field<Double> FPP = Field.optional(
            "fpp",
            Type.PROBABILITY,
            0.001,
            "False-positive probability at `expected` digests; a false positive only costs an exact lookup.");
    static final Type.Obj BLOOM =
            Type.Obj.of("A bloom filter in front of the exact digest set (`dedupe: content`).", EXPECTED, FPP);

    static final Field<Secret> URL = Field.required(
            "url",
            Type.SECRET_URL,
            "`redis://host:6379/0` (`rediss://` for "
                    + "TLS; the path is the database number; `redis://user:${REDIS_PASSWORD}@host:6379/0` carries "
                    + "credentials). Shown with the password masked.");
    static final Field<Secret> PASSWORD = Field.computed(
            "password",
            Type.SECRET,
            "from the url, or none",
            "Password: write `${REDIS_PASSWORD}` or `${file:/run/secrets/redis}`.");
    static final Field<String> KEY_PREFIX = Field.optional(
            "key_prefix",
            Type.STRING,
            RedisConfig.DEFAULT_KEY_PREFIX,
            "Every key starts with `<key_prefix>:{<pipeline>}:`.");
    static final Field<Options> BLOOM_BLOCK = Field.computed(
            "bloom",
            BLOOM,
            "none",
            "An optional bloom filter (Redisson's, no Redis module needed) that answers \"never seen\" for "
                    + "new content digests; \"seen\" is always decided by the exact set.");
    static final Field<Duration> TIMEOUT = Field.optional(
            "timeout",
            Type.DURATION,
            RedisConfig.DEFAULT_TIMEOUT,
            "How long a ledger call waits for Redis (connecting or answering) before it fails (the worker "
                    + "then retries with backoff).");
    static final Field<Duration> MAX_CLOCK_SKEW = ClockSkew.option("the Redis server's");
    static final Type.Obj OPTIONS = Type.Obj.of(
            "A Redis server shared by every worker.", URL, PASSWORD, KEY_PREFIX, BLOOM_BLOCK, TIMEOUT, MAX_CLOCK_SKEW);

    @Override
    public String kind() {
        return "redis";
    }

    @Override
    public Type<Options> options() {
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
    public Ledger open(Options options, PipelineContext context) {
        return ClockSkew.checked(
                RedisLedger.open(config(options), context.pipeline(), context.clock()),
                ledger -> ledger.refuseClockSkew(options.get(MAX_CLOCK_SKEW)));
    }

    @Override
    public String describe(Options options) {
        return config(options).describe();
    }

    static RedisConfig config(Options o) {
        Secret url = o.get(URL);
        if (!url.reveal().matches("rediss?://[^/]+(/\\d+)?")) {
            throw o.problem(URL, "'" + url + "' is not a Redis url; write redis://host:6379/0");
        }
        if (o.get(KEY_PREFIX).matches(".*[{}].*")) {
            throw o.problem(KEY_PREFIX, "must not contain braces: Sluice adds the pipeline's name in braces");
        }
        if (o.get(TIMEOUT).toMillis() < 100) throw o.problem(TIMEOUT, "must be at least 100ms");
        java.util.Optional<RedisConfig.Bloom> bloom =
                o.find(BLOOM_BLOCK).map(b -> new RedisConfig.Bloom(b.get(EXPECTED), b.get(FPP)));
        try {
            return new RedisConfig(url, o.get(PASSWORD), o.get(KEY_PREFIX), bloom, o.get(TIMEOUT));
        } catch (IllegalArgumentException e) {
            throw o.problem(URL, e.getMessage());
        }
    }
}
