package io.sluice.ledger.redis;

import static io.sluice.ledger.LedgerArgs.requireLock;
import static io.sluice.ledger.LedgerArgs.requirePositive;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.ledger.ClockSkew;
import io.sluice.ledger.LedgerRows;
import io.sluice.ledger.Registration;
import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.KnownMember;
import io.sluice.spi.Ledger;
import io.sluice.spi.LedgerRefusedException;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.SplitInfo;
import io.sluice.spi.SplitState;
import io.sluice.spi.StaleClaimException;
import io.sluice.spi.Totals;
import io.sluice.spi.WorkerInfo;
import io.sluice.spi.WorkerStatus;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.redisson.Redisson;
import org.redisson.api.RBloomFilter;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.api.redisnode.RedisNode;
import org.redisson.api.redisnode.RedisNodes;
import org.redisson.client.RedisException;
import org.redisson.client.codec.StringCodec;
import org.redisson.client.protocol.Time;
import org.redisson.config.Config;

/**
 * A ledger in Redis, shared by any number of workers. Every method is one Lua script, which Redis runs atomically:
 * a claim finds the oldest claimable split, takes the next fencing token and records the lease in one step; a
 * completion checks the token in the same step as it records the result. Tokens come from a counter that never
 * falls behind the server's clock (in microseconds), so even a crash that lost the counter's last increments
 * cannot hand a token out twice.
 *
 * <p>Redisson carries the connection (reconnecting after an outage, caching the scripts by hash) and provides the
 * optional bloom filter, which is only ever a negative cache: it may answer "never seen" for a digest, while "seen"
 * is always decided by the exact digest hash, inside the registration script.
 */
public final class RedisLedger implements Ledger {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SplitState[] COUNT_ORDER = {
        SplitState.PENDING, SplitState.CLAIMED, SplitState.DONE, SplitState.FAILED, SplitState.DEAD
    };

    private final RedisConfig config;
    private final String pipeline;
    private final Clock clock;
    private final RedissonClient client;
    private final RScript scripts;
    private final RedisKeys keys;
    private final Optional<RBloomFilter<String>> bloom;

    private RedisLedger(RedisConfig config, String pipeline, Clock clock, RedissonClient client) {
        this.config = config;
        this.pipeline = pipeline;
        this.clock = clock;
        this.client = client;
        this.scripts = client.getScript(StringCodec.INSTANCE);
        this.keys = RedisKeys.of(config.keyPrefix(), pipeline);
        this.bloom = config.bloom().map(b -> client.getBloomFilter(keys.bloom(), StringCodec.INSTANCE));
    }

    /** Connects and opens the ledger of one pipeline; finishes a reset another process left half done. */
    public static RedisLedger open(RedisConfig config, String pipeline, Clock clock) {
        RedissonClient client;
        try {
            client = Redisson.create(clientConfig(config));
        } catch (RedisException e) {
            throw RedisErrors.failure(config, "connect", e);
        }
        try {
            RedisLedger ledger = new RedisLedger(config, pipeline, clock, client);
            ledger.call("prepare the ledger", () -> {
                ledger.refuseEviction();
                ledger.emptyTrash();
                ledger.initBloom();
                return null;
            });
            return ledger;
        } catch (RuntimeException e) {
            client.shutdown();
            throw e;
        }
    }

    private static Config clientConfig(RedisConfig config) {
        Config c = new Config();
        c.setCodec(StringCodec.INSTANCE);
        c.setUseScriptCache(true); // EVALSHA, loading a script again after a server restart
        c.setThreads(2);
        c.setNettyThreads(4);
        int timeout = Math.toIntExact(config.timeout().toMillis());
        c.useSingleServer()
                .setAddress(config.address())
                .setDatabase(config.database())
                .setConnectTimeout(timeout)
                .setTimeout(timeout)
                // never resend: a script that reached the server may have run, and running a claim twice
                // would strand a split until its lease ends; the caller retries with backoff instead
                .setRetryAttempts(0)
                .setPingConnectionInterval(5_000)
                .setConnectionMinimumIdleSize(1)
                .setConnectionPoolSize(16)
                .setClientName("sluice");
        // on Config, not the server's settings: Redisson 4 logs a deprecation warning at every open for those
        config.credentials().ifPresent(given -> {
            if (given.user() != null) c.setUsername(given.user());
            c.setPassword(given.password());
        });
        if (config.password() != null) c.setPassword(config.password().reveal());
        return c;
    }

    public RedisConfig config() {
        return config;
    }

    // ---- planning -------------------------------------------------------------------------------------

    @Override
    public Map<String, KnownMember> known(Collection<String> memberKeys) {
        return members("look up registered inputs", Script.KNOWN, memberKeys);
    }

    @Override
    public Map<String, KnownMember> latestDone(Collection<String> memberKeys) {
        return members("look up the done registrations of inputs", Script.LATEST_DONE, memberKeys);
    }

    /** What {@code script} (known.lua, latest_done.lua) gives for these keys: six values per key it found. */
    private Map<String, KnownMember> members(String action, Script script, Collection<String> memberKeys) {
        if (memberKeys.isEmpty()) return Map.of();
        List<Object> out = run(action, script, RScript.ReturnType.LIST, new ArrayList<>(memberKeys).toArray());
        Map<String, KnownMember> known = new HashMap<>();
        for (int i = 0; i < out.size(); i += 6) {
            String key = (String) out.get(i);
            known.put(
                    key,
                    new KnownMember(
                            key,
                            (String) out.get(i + 1),
                            ((Number) out.get(i + 4)).longValue(),
                            ((Number) out.get(i + 5)).longValue(),
                            (String) out.get(i + 2),
                            SplitState.ofLabel((String) out.get(i + 3))));
        }
        return known;
    }

    @Override
    public Optional<String> digestOwner(String sha256) {
        return call("look up a content digest", () -> {
            // the bloom may only say "never seen"; a "maybe" is decided by the exact hash
            if (bloom.isPresent() && !bloom.get().contains(sha256)) return Optional.empty();
            return Optional.ofNullable(
                    (String) client.getMap(keys.digests(), StringCodec.INSTANCE).get(sha256));
        });
    }

    @Override
    public Optional<Split> split(String splitId) {
        return Optional.ofNullable(
                splits("read split " + splitId, List.of(splitId)).get(splitId));
    }

    @Override
    public Map<String, Split> splits(Collection<String> splitIds) {
        return splits("read " + splitIds.size() + " split(s)", splitIds);
    }

    /** Splits read by split.lua, at most {@link #SPLITS_PER_SCRIPT} a call: Redis serves no one else meanwhile. */
    private Map<String, Split> splits(String action, Collection<String> splitIds) {
        List<String> ids = List.copyOf(new LinkedHashSet<>(splitIds));
        Map<String, Split> found = new LinkedHashMap<>();
        for (int from = 0; from < ids.size(); from += SPLITS_PER_SCRIPT) {
            List<String> part = ids.subList(from, Math.min(ids.size(), from + SPLITS_PER_SCRIPT));
            List<Object> out = run(action, Script.SPLIT, RScript.ReturnType.LIST, part.toArray());
            for (int i = 0; i < part.size(); i++) {
                int at = i * 4;
                if (out.get(at) == null) continue; // no such split
                found.put(
                        part.get(i),
                        split(part.get(i), out.get(at), out.get(at + 1), out.get(at + 2), out.get(at + 3)));
            }
        }
        return found;
    }

    private static final int SPLITS_PER_SCRIPT = 1_000;

    @Override
    public Optional<String> newestSplit() {
        String id = run("find the newest split", Script.NEWEST, RScript.ReturnType.VALUE);
        return Optional.ofNullable(id);
    }

    @Override
    public List<String> register(List<Split> splits, Map<String, String> follows) {
        if (splits.isEmpty()) return List.of();
        List<Object> args = new ArrayList<>();
        args.add(now());
        List<String> digests = registration(splits, follows, args);
        return call("register splits", () -> registering(Script.REGISTER, digests, args))
                .orElseThrow(); // register.lua has no claim to find stale
    }

    /** Adds the splits to a registering script's arguments (registration.lua); returns their members' digests. */
    private static List<String> registration(List<Split> splits, Map<String, String> follows, List<Object> args) {
        splits.forEach(Registration::requireDistinctMembers);
        List<String> digests = new ArrayList<>();
        for (Split s : splits) {
            args.add(s.id());
            args.add(Long.toString(s.bytes()));
            args.add(LedgerRows.membersJson(s.members()));
            args.add(s.payload() == null ? "" : "=" + s.payload());
            args.add(s.outputKey() == null ? "" : LedgerRows.outputKeyJson(s.outputKey()));
            args.add(Integer.toString(s.members().size()));
            for (Member m : s.members()) {
                args.add(m.key());
                args.add(m.fingerprint());
                args.add(Long.toString(m.start()));
                args.add(m.digest() == null ? "" : m.digest());
                String saw = follows.get(m.key());
                args.add(saw == null ? "" : "=" + saw);
                if (m.digest() != null) digests.add(m.digest());
            }
        }
        return digests;
    }

    /**
     * Runs a script that registers splits (register.lua, replace.lua): the ids registered, or empty when the script
     * found the claim it replaces stale. A split id registered with other members is the caller's error.
     */
    private Optional<List<String>> registering(Script script, List<String> digests, List<Object> args) {
        // into the bloom before the exact hash, so the bloom never misses a digest the hash holds
        if (bloom.isPresent() && !digests.isEmpty()) bloom.get().add(digests);
        List<Object> out = script(script, RScript.ReturnType.LIST, args.toArray());
        // the id comes back as a value, not in an error's text: ids hold dots and spaces, which end that text's parts
        return switch (Math.toIntExact((Long) out.getFirst())) {
            case 0 -> Optional.empty();
            case 1 ->
                Optional.of(out.subList(1, out.size()).stream()
                        .map(String.class::cast)
                        .toList());
            default -> throw Registration.idReused((String) out.get(1));
        };
    }

    // ---- work -----------------------------------------------------------------------------------------

    @Override
    public Optional<Claim> claim(String owner, Duration lease) {
        return grant("claim a split", Script.CLAIM, owner, lease);
    }

    @Override
    public Optional<Claim> claim(String splitId, String owner, Duration lease) {
        Objects.requireNonNull(splitId, "splitId");
        return grant("claim split " + splitId, Script.CLAIM_NAMED, owner, lease, splitId);
    }

    /** Runs a granting script (grant.lua): its arguments are now, the owner, the lease's end, then these. */
    private Optional<Claim> grant(String action, Script script, String owner, Duration lease, String... more) {
        Objects.requireNonNull(owner, "owner");
        requirePositive("lease", lease);
        long now = clock.millis();
        long until = now + lease.toMillis();
        List<Object> args = new ArrayList<>(List.of(Long.toString(now), owner, Long.toString(until)));
        args.addAll(List.of(more));
        List<Object> out = run(action, script, RScript.ReturnType.LIST, args.toArray());
        if (out == null || out.isEmpty()) return Optional.empty();
        Split split = split((String) out.get(0), out.get(1), out.get(2), out.get(5), out.get(6));
        return Optional.of(new Claim(
                split, owner, (Long) out.get(4), Instant.ofEpochMilli(until), Math.toIntExact((Long) out.get(3))));
    }

    /** A split from the fields of its hash: bytes, members, payload and output key (null where none). */
    private static Split split(String id, Object bytes, Object members, Object payload, Object outputKey) {
        return new Split(
                id,
                LedgerRows.members((String) members),
                Long.parseLong((String) bytes),
                (String) payload,
                LedgerRows.outputKey((String) outputKey));
    }

    @Override
    public boolean heartbeat(Claim claim, Duration lease) {
        requirePositive("lease", lease);
        long now = clock.millis();
        return held(
                "renew a lease", Script.HEARTBEAT, claim, Long.toString(now + lease.toMillis()), Long.toString(now));
    }

    @Override
    public boolean isCurrent(Claim claim) {
        return held("check a claim", Script.CURRENT, claim);
    }

    @Override
    public void complete(Claim claim, Completion completion) throws StaleClaimException {
        if (!held(
                "record a completed split",
                Script.COMPLETE,
                claim,
                now(),
                Long.toString(completion.rowsIn()),
                Long.toString(completion.rowsOut()),
                Long.toString(completion.rejected()),
                LedgerRows.json(completion.outputs()),
                completion.pipelineVersion())) {
            throw new StaleClaimException(claim.splitId(), claim.token());
        }
    }

    @Override
    public void fail(Claim claim, String error, Optional<Instant> retryAt) throws StaleClaimException {
        Objects.requireNonNull(error, "error");
        SplitState next = retryAt.isPresent() ? SplitState.FAILED : SplitState.DEAD;
        String retry = retryAt.map(t -> Long.toString(t.toEpochMilli())).orElse("");
        if (!held("record a failed split", Script.FAIL, claim, now(), next.label(), retry, error)) {
            throw new StaleClaimException(claim.splitId(), claim.token());
        }
    }

    @Override
    public void release(Claim claim) {
        held("release a claim", Script.RELEASE, claim, now());
    }

    @Override
    public boolean expire(String splitId, long token) {
        return held("end a lease", Script.EXPIRE, splitId, token, now());
    }

    @Override
    public List<String> replace(Claim claim, List<Split> replacements) throws StaleClaimException {
        List<Object> args = new ArrayList<>(List.of(claim.splitId(), Long.toString(claim.token()), now()));
        List<String> digests = registration(replacements, Map.of(), args);
        return call("replace split " + claim.splitId(), () -> registering(Script.REPLACE, digests, args))
                .orElseThrow(() -> new StaleClaimException(claim.splitId(), claim.token()));
    }

    private boolean held(String action, Script script, Claim claim, String... more) {
        return held(action, script, claim.splitId(), claim.token(), more);
    }

    /** Runs a script guarded by a claim's token: its arguments are the split id, the token, then these. */
    private boolean held(String action, Script script, String splitId, long token, String... more) {
        Object[] args = new Object[more.length + 2];
        args[0] = splitId;
        args[1] = Long.toString(token);
        System.arraycopy(more, 0, args, 2, more.length);
        Long ok = run(action, script, RScript.ReturnType.LONG, args);
        return ok == 1;
    }

    // ---- output locks ---------------------------------------------------------------------------------

    @Override
    public Optional<Lock> lock(String name, String owner, Duration lease) {
        requireLock(name, owner, lease);
        long now = clock.millis();
        String token = run(
                "take lock " + name,
                Script.LOCK,
                RScript.ReturnType.VALUE,
                name,
                owner,
                Long.toString(now + lease.toMillis()),
                Long.toString(now));
        return Optional.ofNullable(token).map(t -> new Lock(name, owner, Long.parseLong(t)));
    }

    @Override
    public Optional<Lock> holder(String name) {
        String held = run("look up lock " + name, Script.HOLDER, RScript.ReturnType.VALUE, name, now());
        if (held == null) return Optional.empty();
        int space = held.indexOf(' ');
        return Optional.of(new Lock(name, held.substring(space + 1), Long.parseLong(held.substring(0, space))));
    }

    @Override
    public boolean holds(Lock lock) {
        Long held = run(
                "check lock " + lock.name(),
                Script.HOLDS,
                RScript.ReturnType.LONG,
                lock.name(),
                Long.toString(lock.token()),
                now());
        return held == 1;
    }

    @Override
    public void unlock(Lock lock) {
        run(
                "release lock " + lock.name(),
                Script.UNLOCK,
                RScript.ReturnType.LONG,
                lock.name(),
                Long.toString(lock.token()));
    }

    // ---- status and operations ------------------------------------------------------------------------

    @Override
    public Map<SplitState, Long> counts() {
        List<Object> out = run("count splits", Script.COUNTS, RScript.ReturnType.LIST);
        Map<SplitState, Long> counts = new EnumMap<>(SplitState.class);
        for (int i = 0; i < COUNT_ORDER.length; i++) {
            long n = (Long) out.get(i);
            if (n > 0) counts.put(COUNT_ORDER[i], n);
        }
        return counts;
    }

    @Override
    public List<SplitInfo> splits(Set<SplitState> states, int limit) {
        if (states.isEmpty() || limit <= 0) return List.of();
        List<Object> args = new ArrayList<>();
        args.add(Integer.toString(limit));
        states.forEach(s -> args.add(s.label()));
        return infos(run("list splits", Script.SPLITS, RScript.ReturnType.LIST, args.toArray()));
    }

    @Override
    public List<SplitInfo> splitsNamed(Collection<String> splitIds) {
        if (splitIds.isEmpty()) return List.of();
        return infos(run("look up splits", Script.SPLITS_NAMED, RScript.ReturnType.LIST, splitIds.toArray()));
    }

    /** The splits of a script's answer, 15 fields each (info.lua). */
    private static List<SplitInfo> infos(List<Object> out) {
        List<SplitInfo> infos = new ArrayList<>();
        for (int i = 0; i < out.size(); i += 15) {
            List<Object> f = out.subList(i, i + 15);
            infos.add(new SplitInfo(
                    (String) f.get(0),
                    SplitState.ofLabel((String) f.get(1)),
                    (int) number(f.get(2)),
                    (String) f.get(3),
                    (String) f.get(4),
                    number(f.get(5)),
                    instant(f.get(6)),
                    instant(f.get(7)),
                    number(f.get(8)),
                    (int) number(f.get(9)),
                    number(f.get(10)),
                    number(f.get(11)),
                    number(f.get(12)),
                    (String) f.get(13),
                    instant(f.get(14))));
        }
        return infos;
    }

    @Override
    public int retry(Collection<String> splitIds) {
        List<Object> args = new ArrayList<>();
        args.add(now());
        args.addAll(splitIds);
        Long n = run("send splits back to pending", Script.RETRY, RScript.ReturnType.LONG, args.toArray());
        return Math.toIntExact(n);
    }

    @Override
    public Map<String, Long> doneByVersion() {
        Map<String, Long> byVersion = new HashMap<>();
        tally().forEach((version, t) -> byVersion.put(version, t.done()));
        return byVersion;
    }

    @Override
    public int requeueOutdated(String current) {
        Objects.requireNonNull(current, "current");
        Long n = run("send outdated splits back to pending", Script.REQUEUE, RScript.ReturnType.LONG, now(), current);
        return Math.toIntExact(n);
    }

    @Override
    public int replay(Collection<String> splitIds) {
        if (splitIds.isEmpty()) return 0;
        List<Object> args = new ArrayList<>();
        args.add(now());
        args.addAll(splitIds);
        Long n = run("send done splits back to pending", Script.REPLAY, RScript.ReturnType.LONG, args.toArray());
        return Math.toIntExact(n);
    }

    @Override
    public Totals totals() {
        Totals sum = new Totals(0, 0, 0, null);
        for (Tally t : tally().values()) {
            Instant last = sum.lastDone() == null || t.last().isAfter(sum.lastDone()) ? t.last() : sum.lastDone();
            sum = new Totals(
                    sum.rowsIn() + t.rowsIn(), sum.rowsOut() + t.rowsOut(), sum.rejected() + t.rejected(), last);
        }
        return sum;
    }

    /** What the done splits of one pipeline version add up to (tally.lua). */
    private record Tally(long done, long rowsIn, long rowsOut, long rejected, Instant last) {}

    private Map<String, Tally> tally() {
        List<Object> out = run("add up the done splits", Script.DONE_TOTALS, RScript.ReturnType.LIST);
        // fields <version>\0<name>
        Map<String, Map<String, Long>> fields = new HashMap<>();
        for (int i = 0; i < out.size(); i += 2) {
            String field = (String) out.get(i);
            int sep = field.lastIndexOf('\0');
            fields.computeIfAbsent(field.substring(0, sep), v -> new HashMap<>())
                    .put(field.substring(sep + 1), Long.parseLong((String) out.get(i + 1)));
        }
        Map<String, Tally> tally = new HashMap<>();
        fields.forEach((version, f) -> tally.put(
                version,
                new Tally(f.get("n"), f.get("in"), f.get("out"), f.get("rej"), Instant.ofEpochMilli(f.get("last")))));
        return tally;
    }

    @Override
    public String incarnation() {
        return run(
                "read the ledger's incarnation",
                Script.INCARNATION,
                RScript.ReturnType.VALUE,
                UUID.randomUUID().toString());
    }

    @Override
    public void reset() {
        call("reset the pipeline", () -> {
            script(Script.RESET, RScript.ReturnType.VALUE);
            emptyTrash();
            return null;
        });
    }

    // ---- worker pools ----------------------------------------------------------------------------------

    @Override
    public void announce(WorkerInfo self, Duration ttl) {
        requirePositive("ttl", ttl);
        long now = clock.millis();
        Map<String, Object> entry = Map.of(
                "host",
                self.host(),
                "pid",
                self.pid(),
                "started",
                self.started().toEpochMilli(),
                "threads",
                self.threads(),
                "seen",
                now);
        run(
                "announce a worker",
                Script.ANNOUNCE,
                RScript.ReturnType.LONG,
                Long.toString(now),
                self.id(),
                LedgerRows.json(entry),
                Long.toString(now + ttl.toMillis()));
    }

    @Override
    public List<WorkerStatus> workers(Duration seenWithin) {
        long now = clock.millis();
        List<Object> out = run("list workers", Script.WORKERS, RScript.ReturnType.LIST, Long.toString(now));
        String leader = (String) out.get(0);
        int fields = Math.toIntExact((Long) out.get(1));
        Map<String, List<String>> held = new HashMap<>();
        for (int i = 2 + fields; i < out.size(); i += 2) {
            held.computeIfAbsent((String) out.get(i), o -> new ArrayList<>()).add((String) out.get(i + 1));
        }
        List<WorkerStatus> workers = new ArrayList<>();
        for (int i = 2; i < 2 + fields; i += 2) {
            String id = (String) out.get(i);
            Map<String, Object> e = entry((String) out.get(i + 1));
            long seen = ((Number) e.get("seen")).longValue();
            if (seen < now - seenWithin.toMillis()) continue;
            WorkerInfo info = new WorkerInfo(
                    id,
                    (String) e.get("host"),
                    ((Number) e.get("pid")).longValue(),
                    Instant.ofEpochMilli(((Number) e.get("started")).longValue()),
                    ((Number) e.get("threads")).intValue());
            workers.add(new WorkerStatus(
                    info, Instant.ofEpochMilli(seen), held.getOrDefault(id, List.of()), id.equals(leader)));
        }
        workers.sort(java.util.Comparator.comparing(w -> w.worker().id()));
        return workers;
    }

    @Override
    public void retire(String workerId) {
        run("retire a worker", Script.RETIRE, RScript.ReturnType.LONG, workerId);
    }

    @Override
    public boolean lead(String workerId, Duration lease) {
        Objects.requireNonNull(workerId, "workerId");
        requirePositive("lease", lease);
        long now = clock.millis();
        Long ok = run(
                "take the leader lease",
                Script.LEAD,
                RScript.ReturnType.LONG,
                Long.toString(now),
                workerId,
                Long.toString(now + lease.toMillis()));
        return ok == 1;
    }

    private static Map<String, Object> entry(String json) {
        try {
            return JSON.readValue(json, new TypeReference<>() {});
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes the split hashes of generations a reset left behind, a thousand per script. */
    private void emptyTrash() {
        long left;
        do {
            left = script(Script.TRASH, RScript.ReturnType.LONG, "1000");
        } while (left > 0);
    }

    /** Refuses this worker when its clock is more than {@code max} off the server's (see {@link ClockSkew}). */
    void refuseClockSkew(Duration max) {
        RedisNode server = client.getRedisNodes(RedisNodes.SINGLE).getInstance();
        ClockSkew read = call(
                "read the server's clock",
                () -> ClockSkew.read(clock, 0, () -> {
                    Time time = server.time();
                    return Integer.toUnsignedLong(time.getSeconds()) * 1000 + time.getMicroseconds() / 1000;
                }));
        read.refuseBeyond(max, config.describe(), "the Redis server's", "state.redis.max_clock_skew");
    }

    /** An evicted claim or split would be granted again: only policies that never evict keys without a TTL do. */
    private void refuseEviction() {
        String policy = client.getRedisNodes(RedisNodes.SINGLE)
                .getInstance()
                .info(RedisNode.InfoSection.MEMORY)
                .getOrDefault("maxmemory_policy", "noeviction");
        if (policy.startsWith("allkeys-")) {
            throw new LedgerRefusedException(
                    config.describe() + ": the server's maxmemory-policy is " + policy + ", which "
                            + "may evict ledger keys and with them claims; set it to noeviction (or a volatile-* policy: "
                            + "ledger keys have no expiry), or use a Redis of its own for the ledger",
                    null);
        }
    }

    /** Creates the bloom filter; when it was missing while digests exist, fills it from the exact hash first. */
    private void initBloom() {
        if (bloom.isEmpty()) return;
        RedisConfig.Bloom b = config.bloom().orElseThrow();
        if (!bloom.get().tryInit(b.expected(), b.fpp())) return;
        List<String> chunk = new ArrayList<>();
        for (String digest : client.<String, String>getMap(keys.digests(), StringCodec.INSTANCE)
                .keySet(10_000)) {
            chunk.add(digest);
            if (chunk.size() == 10_000) {
                bloom.get().add(chunk);
                chunk.clear();
            }
        }
        if (!chunk.isEmpty()) bloom.get().add(chunk);
    }

    @Override
    public void close() {
        client.shutdown();
    }

    @Override
    public String toString() {
        return config.describe() + " (pipeline " + pipeline + ")";
    }

    // ---- plumbing -------------------------------------------------------------------------------------

    private <T> T run(String action, Script script, RScript.ReturnType type, Object... args) {
        return call(action, () -> script(script, type, args));
    }

    private <T> T script(Script script, RScript.ReturnType type, Object... args) {
        Object[] all = new Object[args.length + 1];
        all[0] = keys.splits();
        System.arraycopy(args, 0, all, 1, args.length);
        return scripts.eval(RScript.Mode.READ_WRITE, script.source(), type, keys.all(), all);
    }

    private <T> T call(String action, Supplier<T> work) {
        if (client.isShutdown()) throw new IllegalStateException(this + " is closed");
        try {
            return work.get();
        } catch (RedisException e) {
            throw RedisErrors.failure(config, action, e);
        }
    }

    private String now() {
        return Long.toString(clock.millis());
    }

    private static long number(Object value) {
        return value == null ? 0 : Long.parseLong(value.toString());
    }

    private static Instant instant(Object value) {
        return value == null ? null : Instant.ofEpochMilli(Long.parseLong(value.toString()));
    }
}
