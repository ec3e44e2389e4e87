package io.sluice.ledger.dynamodb;

import static io.sluice.ledger.LedgerArgs.requireLock;
import static io.sluice.ledger.LedgerArgs.requirePositive;
import static io.sluice.ledger.dynamodb.Items.n;
import static io.sluice.ledger.dynamodb.Items.s;

import io.sluice.ledger.ClockSkew;
import io.sluice.ledger.LedgerRows;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.Select;

/**
 * A ledger in one DynamoDB table, shared by any number of workers. Each split is one item; every change a worker
 * makes is one conditional write on it: a claim succeeds only if the split's token and state are still those the
 * claimer read, and writes the next token; a completion only if the token is still the claim's. Tokens carry the
 * pipeline's reset epoch in their high 32 bits, so a claim from before a reset never matches a split after it.
 *
 * <p>Claims find candidates through the {@code by_state} index, which DynamoDB updates asynchronously: a candidate
 * may already be taken, in which case the conditional write fails and the next candidate is tried. A handle reads
 * {@link #BATCH} pending splits at once and keeps them for its next claims ({@link Candidates}); expired leases and
 * due retries are looked for at most every {@link #DUE_EVERY} while pending splits remain, and whenever none does.
 * Registration, replace and reset take turns under a lock ({@link Registrar}).
 */
public final class DynamoDbLedger implements Ledger {
    /** Pending splits read per query and kept in the handle as candidates. */
    static final int BATCH = 100;
    /** How long, at most, expired leases and due retries wait while pending splits remain (this worker's clock). */
    static final Duration DUE_EVERY = Duration.ofSeconds(1);
    /** Conditional writes and queries one claim makes at most before it looks for due work and gives up. */
    private static final int MAX_TRIES = 30;
    /**
     * A grant of a split: the next token, the lease, one attempt more, and an id of this grant alone, by which a claim
     * the SDK sent again (its answer lost) knows its own grant.
     */
    private static final String GRANT = "SET #state = :claimed, #st = :st, #owner = :owner, #lease = :until, "
            + "#token = #token + :one, #attempts = #attempts + :one, #updated = :now, #grant = :grant REMOVE #retry";

    private static final String CLAIMABLE =
            "#state = :pending OR (#state = :claimed AND #lease <= :now) OR (#state = :failed AND #retry <= :now)";

    private final DynamoDbConfig config;
    private final String pipeline;
    private final Clock clock;
    private final DynamoDbClient db;
    private final ExecutorService pool;
    private final Items items;
    private final Reads reads;
    private final Registrar registrar;
    private final Pool workerPool;
    private final Locks locks;
    private final Candidates candidates = new Candidates(DUE_EVERY.toMillis());

    private DynamoDbLedger(DynamoDbConfig config, String pipeline, Clock clock, DynamoDbClient db) {
        this.config = config;
        this.pipeline = pipeline;
        this.clock = clock;
        this.db = db;
        this.pool = Executors.newFixedThreadPool(
                4, Thread.ofPlatform().daemon().name("sluice-dynamodb-", 0).factory());
        this.items = new Items(pipeline);
        this.reads = new Reads(db, config.table(), pool);
        this.registrar = new Registrar(db, config, items, reads, clock);
        this.workerPool = new Pool(db, config.table(), items, reads, clock);
        this.locks = new Locks(db, config.table(), items, clock);
    }

    /** Opens the ledger with the default AWS credentials (environment, profile, instance role). */
    public static DynamoDbLedger open(DynamoDbConfig config, String pipeline, Clock clock) {
        return open(config, pipeline, clock, DefaultCredentialsProvider.create());
    }

    /** Connects, creates the table when it is missing, and opens the ledger of one pipeline in it. */
    public static DynamoDbLedger open(
            DynamoDbConfig config, String pipeline, Clock clock, AwsCredentialsProvider credentials) {
        DynamoDbClientBuilder builder = DynamoDbClient.builder()
                .region(Region.of(config.region()))
                .credentialsProvider(credentials)
                .httpClientBuilder(ApacheHttpClient.builder()
                        .maxConnections(16)
                        .connectionTimeout(
                                config.timeout().compareTo(Duration.ofSeconds(5)) < 0
                                        ? config.timeout()
                                        : Duration.ofSeconds(5)))
                .overrideConfiguration(o -> o.apiCallTimeout(config.timeout()));
        config.endpoint().ifPresent(builder::endpointOverride);
        return open(config, pipeline, clock, builder.build());
    }

    /** Opens the ledger on this client (closed with the ledger), creating the table when it is missing. */
    static DynamoDbLedger open(DynamoDbConfig config, String pipeline, Clock clock, DynamoDbClient db) {
        try {
            Table.ensure(db, config);
        } catch (SdkException e) {
            db.close();
            throw DynamoDbErrors.failure(config, "open the table", e);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
        return new DynamoDbLedger(config, pipeline, clock, db);
    }

    /**
     * Refuses this worker when its clock is more than {@code max} off DynamoDB's (see {@link ClockSkew}). DynamoDB has
     * no call that reads its clock, but every answer carries one in its {@code Date} header, in whole seconds.
     */
    void refuseClockSkew(Duration max) {
        ClockSkew read = call(
                "read DynamoDB's clock",
                () -> ClockSkew.read(clock, 999, () -> {
                    SdkHttpResponse answer =
                            db.describeTable(b -> b.tableName(config.table())).sdkHttpResponse();
                    String date = answer.firstMatchingHeader("Date")
                            .orElseThrow(() -> new LedgerRefusedException(
                                    config.describe()
                                            + ": the endpoint answered without a Date header, so this machine's "
                                            + "clock cannot be compared with DynamoDB's (leases and output locks are measured "
                                            + "by the workers' clocks): use an endpoint that sends one, as AWS's do",
                                    null));
                    return ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME)
                            .toInstant()
                            .toEpochMilli();
                }));
        read.refuseBeyond(max, config.describe(), "DynamoDB's", "state.dynamodb.max_clock_skew");
    }

    public DynamoDbConfig config() {
        return config;
    }

    // ---- planning -------------------------------------------------------------------------------------

    @Override
    public Map<String, KnownMember> known(Collection<String> keys) {
        if (keys.isEmpty()) return Map.of();
        return call("look up registered inputs", () -> {
            List<Map<String, AttributeValue>> latest =
                    reads.get(keys.stream().map(items::latest).toList());
            List<Map<String, AttributeValue>> splits = reads.get(
                    latest.stream().map(l -> items.split(l.get("split").s())).toList());
            if (splits.stream().anyMatch(Codec::unfinished)) {
                // a registration or replace left half written (or being written): finished (or waited for) first, so
                // that an input is reported as registered only once all the splits registered with it are
                registrar.finishUnfinished();
                latest = reads.get(keys.stream().map(items::latest).toList());
                splits = reads.get(latest.stream()
                        .map(l -> items.split(l.get("split").s()))
                        .toList());
            }
            Map<String, SplitState> states = new HashMap<>();
            splits.forEach(split -> states.put(split.get(Items.SK).s(), Codec.state(split)));
            Map<String, KnownMember> known = new HashMap<>();
            for (Map<String, AttributeValue> l : latest) {
                String key = l.get("key").s();
                String split = l.get("split").s();
                known.put(
                        key,
                        new KnownMember(
                                key,
                                l.get("fp").s(),
                                Long.parseLong(l.get("start").n()),
                                Long.parseLong(l.get("end").n()),
                                split,
                                states.get(split)));
            }
            return known;
        });
    }

    /**
     * Batched reads of split items {@link #latestDone} makes at most, walking back from each key's latest registration:
     * past that many registrations that are not done the key is left out (plan then says less).
     */
    private static final int MOST_STEPS_BACK = 16;

    @Override
    public Map<String, KnownMember> latestDone(Collection<String> keys) {
        if (keys.isEmpty()) return Map.of();
        return call("look up the done registrations of inputs", () -> {
            // key -> the split of the registration looked at: the latest, then the one before it (Items.PREVIOUS)
            Map<String, String> at = new HashMap<>();
            reads.get(keys.stream().map(items::latest).toList())
                    .forEach(l -> at.put(l.get("key").s(), l.get("split").s()));
            Map<String, KnownMember> done = new HashMap<>();
            for (int step = 0; step < MOST_STEPS_BACK && !at.isEmpty(); step++) {
                Map<String, Map<String, AttributeValue>> splits = new HashMap<>();
                reads.get(at.values().stream().distinct().map(items::split).toList())
                        .forEach(split -> splits.put(split.get(Items.SK).s(), split));
                Map<String, String> before = new HashMap<>();
                at.forEach((key, id) -> {
                    Map<String, AttributeValue> split = splits.get(id);
                    if (split == null || !split.containsKey("members")) return; // forgotten by a replace
                    List<Member> members = Codec.members(split);
                    // the key's positions: a split registers a key once, or in several ranges (the last one counts)
                    List<Integer> positions = IntStream.range(0, members.size())
                            .filter(i -> members.get(i).key().equals(key))
                            .boxed()
                            .toList();
                    if (positions.isEmpty()) return;
                    if ("done".equals(split.get("state").s())) {
                        Member m = members.get(positions.getLast());
                        done.put(key, new KnownMember(key, m.fingerprint(), m.start(), m.end(), id, SplitState.DONE));
                    } else {
                        Codec.previous(split, positions).ifPresent(earlier -> before.put(key, earlier));
                    }
                });
                at.clear();
                at.putAll(before);
            }
            return done;
        });
    }

    @Override
    public Optional<String> digestOwner(String sha256) {
        return call(
                "look up a content digest",
                () -> Optional.ofNullable(db.getItem(b -> b.tableName(config.table())
                                        .key(items.digest(sha256))
                                        .consistentRead(true))
                                .item())
                        .filter(i -> !i.isEmpty())
                        .map(i -> i.get("key").s()));
    }

    /** One strongly consistent read; a split being registered counts, one replaced or forgotten does not. */
    @Override
    public Optional<Split> split(String splitId) {
        return call(
                "read split " + splitId,
                () -> Optional.ofNullable(db.getItem(b -> b.tableName(config.table())
                                        .key(items.split(splitId))
                                        .consistentRead(true))
                                .item())
                        .filter(DynamoDbLedger::registered)
                        .map(Codec::split));
    }

    /** As {@link #split}, in strongly consistent batch reads of 100 items. */
    @Override
    public Map<String, Split> splits(Collection<String> splitIds) {
        if (splitIds.isEmpty()) return Map.of();
        return call("read " + splitIds.size() + " split(s)", () -> {
            Map<String, Split> found = new HashMap<>();
            reads.get(splitIds.stream().map(items::split).toList()).stream()
                    .filter(DynamoDbLedger::registered)
                    .forEach(item -> found.put(item.get(Items.SK).s(), Codec.split(item)));
            return found;
        });
    }

    private static boolean registered(Map<String, AttributeValue> item) {
        return !item.isEmpty()
                && !Set.of(Items.REPLACED, Items.FORGOTTEN)
                        .contains(item.get("state").s());
    }

    /**
     * The newest item of each state in the {@code by_state} index (sorted by seq): one query of one item each. The
     * index is read eventually consistent, as DynamoDB's indexes are: a split registered a moment ago may be missed,
     * which a source asking about earlier runs does not meet.
     */
    @Override
    public Optional<String> newestSplit() {
        return call("find the newest split", () -> {
            Map<String, AttributeValue> newest = null;
            for (SplitState state : SplitState.values()) {
                List<Map<String, AttributeValue>> found = db.query(b -> b.tableName(config.table())
                                .indexName(Items.BY_STATE)
                                .keyConditionExpression("#st = :st")
                                .expressionAttributeNames(Names.of("#st"))
                                .expressionAttributeValues(Map.of(":st", s(items.st(state.label()))))
                                .scanIndexForward(false)
                                .limit(1))
                        .items();
                if (!found.isEmpty()
                        && (newest == null
                                || Codec.number(found.getFirst(), Items.SEQ) > Codec.number(newest, Items.SEQ))) {
                    newest = found.getFirst();
                }
            }
            return Optional.ofNullable(newest).map(i -> i.get(Items.SK).s());
        });
    }

    @Override
    public List<String> register(List<Split> splits, Map<String, String> follows) {
        if (splits.isEmpty()) return List.of();
        return call("register splits", () -> registrar.register(splits, follows));
    }

    // ---- work -----------------------------------------------------------------------------------------

    @Override
    public Optional<Claim> claim(String owner, Duration lease) {
        Objects.requireNonNull(owner, "owner");
        requirePositive("lease", lease);
        return call("claim a split", () -> {
            long now = clock.millis();
            long until = now + lease.toMillis();
            // expired leases and due retries first, when their turn has come (see DUE_EVERY)
            boolean lookedForDue = candidates.dueCheck(now);
            if (lookedForDue) {
                Optional<Claim> due = grantFirst(due(now), owner, now, until);
                if (due.isPresent()) return due;
            }
            // then pending splits from this handle's batch, read again when used up (or dropped after lost races);
            // a lost race moves to the next one. The index may lag: a batch may offer splits already taken.
            for (int tries = 0; tries < MAX_TRIES; tries++) {
                Map<String, AttributeValue> next = candidates.next();
                if (next == null) {
                    List<Map<String, AttributeValue>> pending = pending();
                    if (pending.isEmpty()) break;
                    candidates.refill(pending);
                    continue;
                }
                Optional<Claim> granted = claimOf(grant(next, owner, now, until), owner, until);
                if (granted.isPresent()) {
                    candidates.won();
                    return granted;
                }
                candidates.lost();
            }
            // nothing pending (or every candidate taken): expired leases and due retries at once, unless just done
            if (lookedForDue) return Optional.empty();
            candidates.checkedDue(now);
            return grantFirst(due(now), owner, now, until);
        });
    }

    private Optional<Claim> grantFirst(List<Map<String, AttributeValue>> found, String owner, long now, long until) {
        for (Map<String, AttributeValue> candidate : found) {
            Optional<Claim> granted = claimOf(grant(candidate, owner, now, until), owner, until);
            if (granted.isPresent()) return granted;
        }
        return Optional.empty();
    }

    private static Optional<Claim> claimOf(Optional<Map<String, AttributeValue>> granted, String owner, long until) {
        return granted.map(item ->
                new Claim(Codec.split(item), owner, Codec.number(item, "token"), Instant.ofEpochMilli(until), (int)
                        Codec.number(item, "attempts")));
    }

    /** The oldest pending splits as the index shows them (it may lag: the conditional write decides). */
    private List<Map<String, AttributeValue>> pending() {
        return db.query(b -> b.tableName(config.table())
                        .indexName(Items.BY_STATE)
                        .keyConditionExpression("#st = :st")
                        .expressionAttributeNames(Names.of("#st"))
                        .expressionAttributeValues(Map.of(":st", s(items.st("pending"))))
                        .limit(BATCH))
                .items();
    }

    /** Claims whose lease has expired and failed splits due again, oldest first. */
    private List<Map<String, AttributeValue>> due(long now) {
        List<Map<String, AttributeValue>> found = new ArrayList<>();
        dueIn(found, "claimed", "#lease <= :now", now);
        dueIn(found, "failed", "#retry <= :now", now);
        found.sort(Comparator.comparingLong(i -> Codec.number(i, Items.SEQ)));
        return found;
    }

    private void dueIn(List<Map<String, AttributeValue>> found, String state, String filter, long now) {
        reads.query(
                QueryRequest.builder()
                        .tableName(config.table())
                        .indexName(Items.BY_STATE)
                        .keyConditionExpression("#st = :st")
                        .filterExpression(filter)
                        .expressionAttributeNames(Names.of("#st", filter))
                        .expressionAttributeValues(Map.of(":st", s(items.st(state)), ":now", n(now)))
                        .build(),
                found::add);
    }

    /** Takes the split if it is still as the claimer saw it: same token, same state, still claimable. */
    private Optional<Map<String, AttributeValue>> grant(
            Map<String, AttributeValue> seen, String owner, long now, long until) {
        String state = seen.get("state").s();
        String claimable = switch (state) {
            case "claimed" -> " AND #lease <= :now";
            case "failed" -> " AND #retry <= :now";
            default -> "";
        };
        return grant(
                seen.get(Items.SK).s(),
                "#token = :seen AND #state = :was" + claimable,
                Map.of(":seen", n(Codec.number(seen, "token")), ":was", s(state)),
                owner,
                now,
                until);
    }

    /** Grants the split to the owner when the condition holds; the split's item as granted. */
    private Optional<Map<String, AttributeValue>> grant(
            String splitId,
            String condition,
            Map<String, AttributeValue> conditionValues,
            String owner,
            long now,
            long until) {
        Map<String, AttributeValue> values = new HashMap<>(conditionValues);
        values.putAll(Map.of(
                ":claimed",
                s("claimed"),
                ":st",
                s(items.st("claimed")),
                ":owner",
                s(owner),
                ":until",
                n(until),
                ":one",
                n(1),
                ":now",
                n(now),
                ":grant",
                s(UUID.randomUUID().toString())));
        try {
            return Optional.of(db.updateItem(b -> b.tableName(config.table())
                            .key(items.split(splitId))
                            .updateExpression(GRANT)
                            .conditionExpression(condition)
                            .expressionAttributeNames(Names.of(GRANT, condition))
                            .expressionAttributeValues(values)
                            .returnValues(ReturnValue.ALL_NEW)
                            .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD))
                    .attributes());
        } catch (ConditionalCheckFailedException taken) {
            // the SDK sends a write again when its answer is lost: the second send finds this call's own grant
            boolean mine = taken.hasItem()
                    && "claimed".equals(taken.item().get("state").s())
                    && values.get(":grant").equals(taken.item().get("grant"));
            return mine ? Optional.of(taken.item()) : Optional.empty();
        }
    }

    /** One conditional write: granted when the split is claimable now; an unknown split is never created. */
    @Override
    public Optional<Claim> claim(String splitId, String owner, Duration lease) {
        Objects.requireNonNull(splitId, "splitId");
        Objects.requireNonNull(owner, "owner");
        requirePositive("lease", lease);
        return call("claim split " + splitId, () -> {
            long now = clock.millis();
            long until = now + lease.toMillis();
            return claimOf(
                    grant(
                            splitId,
                            CLAIMABLE,
                            Map.of(":pending", s("pending"), ":failed", s("failed")),
                            owner,
                            now,
                            until),
                    owner,
                    until);
        });
    }

    @Override
    public boolean heartbeat(Claim claim, Duration lease) {
        requirePositive("lease", lease);
        long now = clock.millis();
        return held(
                "renew a lease",
                claim,
                "SET #lease = :until, #updated = :now",
                Map.of(":until", n(now + lease.toMillis()), ":now", n(now)));
    }

    @Override
    public boolean isCurrent(Claim claim) {
        return call("check a claim", () -> heldNow(claim.splitId(), claim.token()));
    }

    /** One strongly consistent read: whether the split is claimed under this token. */
    private boolean heldNow(String splitId, long token) {
        return Codec.heldBy(
                db.getItem(b -> b.tableName(config.table())
                                .key(items.split(splitId))
                                .consistentRead(true)
                                .projectionExpression("#state, #token")
                                .expressionAttributeNames(Map.of("#state", "state", "#token", "token")))
                        .item(),
                token);
    }

    @Override
    public void complete(Claim claim, Completion completion) throws StaleClaimException {
        boolean done = ended(
                "record a completed split",
                claim,
                SplitState.DONE.label(),
                "SET #state = :done, #st = :st, #rows_in = :in, #rows_out = :out, #rejected = :rejected, "
                        + "#outputs = :outputs, #pv = :pv, #updated = :now REMOVE #lease, #retry, #error",
                Map.of(
                        ":done",
                        s("done"),
                        ":st",
                        s(items.st("done")),
                        ":in",
                        n(completion.rowsIn()),
                        ":out",
                        n(completion.rowsOut()),
                        ":rejected",
                        n(completion.rejected()),
                        ":outputs",
                        s(LedgerRows.json(completion.outputs())),
                        ":pv",
                        s(completion.pipelineVersion()),
                        ":now",
                        n(clock.millis())));
        if (!done) throw new StaleClaimException(claim.splitId(), claim.token());
    }

    @Override
    public void fail(Claim claim, String error, Optional<Instant> retryAt) throws StaleClaimException {
        Objects.requireNonNull(error, "error");
        String next = (retryAt.isPresent() ? SplitState.FAILED : SplitState.DEAD).label();
        Map<String, AttributeValue> values = new HashMap<>(
                Map.of(":state", s(next), ":st", s(items.st(next)), ":error", s(error), ":now", n(clock.millis())));
        retryAt.ifPresent(t -> values.put(":retry", n(t.toEpochMilli())));
        String update = retryAt.isPresent()
                ? "SET #state = :state, #st = :st, #error = :error, #updated = :now, #retry = :retry REMOVE #lease"
                : "SET #state = :state, #st = :st, #error = :error, #updated = :now REMOVE #lease, #retry";
        if (!ended("record a failed split", claim, next, update, values)) {
            throw new StaleClaimException(claim.splitId(), claim.token());
        }
    }

    @Override
    public void release(Claim claim) {
        held(
                "release a claim",
                claim,
                "SET #state = :pending, #st = :st, #attempts = #attempts - :one, #updated = :now REMOVE #owner, #lease",
                Map.of(
                        ":pending",
                        s("pending"),
                        ":st",
                        s(items.st("pending")),
                        ":one",
                        n(1),
                        ":now",
                        n(clock.millis())));
    }

    /**
     * Ends the lease now with one conditional write. When it fails, one read tells a lease already over (true,
     * nothing to change) from a stale token (false).
     */
    @Override
    public boolean expire(String splitId, long token) {
        long now = clock.millis();
        return held(
                        "end a lease",
                        splitId,
                        token,
                        "SET #lease = :now, #updated = :now",
                        " AND #lease > :now",
                        Map.of(":now", n(now)))
                || call("end a lease", () -> heldNow(splitId, token));
    }

    @Override
    public List<String> replace(Claim claim, List<Split> replacements) throws StaleClaimException {
        List<String> registered =
                call("replace split " + claim.splitId(), () -> registrar.replace(claim, replacements));
        if (registered == null) throw new StaleClaimException(claim.splitId(), claim.token());
        return registered;
    }

    /**
     * The end of a claim (done, failed or dead: {@code state}), recorded while the claim holds the current token. True
     * also when this claim recorded it already: the SDK sends a write again when its answer is lost, and the second
     * send then finds the first one's record, which is not a stale claim.
     */
    private boolean ended(String action, Claim claim, String state, String update, Map<String, AttributeValue> values) {
        return held(
                action,
                claim.splitId(),
                claim.token(),
                update,
                "",
                values,
                found -> state.equals(found.get("state").s()) && Codec.number(found, "token") == claim.token());
    }

    /** An update of the claim's split, made only while the claim holds the current token. */
    private boolean held(String action, Claim claim, String update, Map<String, AttributeValue> values) {
        return held(action, claim.splitId(), claim.token(), update, "", values);
    }

    /** An update of a split, made only while it is claimed under this token and {@code more} holds. */
    private boolean held(
            String action, String splitId, long token, String update, String more, Map<String, AttributeValue> values) {
        return held(action, splitId, token, update, more, values, found -> false);
    }

    /** {@link #held}, or true when the split as found shows the update {@code made} already. */
    private boolean held(
            String action,
            String splitId,
            long token,
            String update,
            String more,
            Map<String, AttributeValue> values,
            Predicate<Map<String, AttributeValue>> made) {
        Map<String, AttributeValue> all = new HashMap<>(values);
        all.put(":token", n(token));
        all.put(":claimed", s("claimed"));
        return call(action, () -> updateIf(splitId, update, Codec.HELD + more, all, made));
    }

    /** One update of a split, made only when {@code condition} holds; false when it did not (nothing changed). */
    private boolean updateIf(String splitId, String update, String condition, Map<String, AttributeValue> values) {
        return updateIf(splitId, update, condition, values, found -> false);
    }

    /**
     * One update of a split, made only when {@code condition} holds; when it did not, whether the split as found
     * (never absent) shows the update {@code made} already.
     */
    private boolean updateIf(
            String splitId,
            String update,
            String condition,
            Map<String, AttributeValue> values,
            Predicate<Map<String, AttributeValue>> made) {
        try {
            db.updateItem(b -> b.tableName(config.table())
                    .key(items.split(splitId))
                    .updateExpression(update)
                    .conditionExpression(condition)
                    .expressionAttributeNames(Names.of(update, condition))
                    .expressionAttributeValues(values)
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return true;
        } catch (ConditionalCheckFailedException unmet) {
            return unmet.hasItem() && made.test(unmet.item());
        }
    }

    // ---- output locks ---------------------------------------------------------------------------------

    @Override
    public Optional<Lock> lock(String name, String owner, Duration lease) {
        requireLock(name, owner, lease);
        return call("take lock " + name, () -> locks.lock(name, owner, lease));
    }

    @Override
    public Optional<Lock> holder(String name) {
        return call("look up lock " + name, () -> locks.holder(name));
    }

    @Override
    public boolean holds(Lock lock) {
        return call("check lock " + lock.name(), () -> locks.holds(lock));
    }

    @Override
    public void unlock(Lock lock) {
        call("release lock " + lock.name(), () -> {
            locks.unlock(lock);
            return null;
        });
    }

    // ---- status and operations ------------------------------------------------------------------------

    @Override
    public Map<SplitState, Long> counts() {
        return call("count splits", () -> {
            Map<SplitState, Long> counts = new EnumMap<>(SplitState.class);
            for (SplitState state : SplitState.values()) {
                long n = 0;
                for (var page : db.queryPaginator(b -> b.tableName(config.table())
                        .indexName(Items.BY_STATE)
                        .keyConditionExpression("#st = :st")
                        .expressionAttributeNames(Names.of("#st"))
                        .expressionAttributeValues(Map.of(":st", s(items.st(state.label()))))
                        .select(Select.COUNT))) {
                    n += page.count();
                }
                if (n > 0) counts.put(state, n);
            }
            return counts;
        });
    }

    @Override
    public List<SplitInfo> splits(Set<SplitState> states, int limit) {
        if (states.isEmpty() || limit <= 0) return List.of();
        return call("list splits", () -> {
            List<Map<String, AttributeValue>> found = new ArrayList<>();
            for (SplitState state : states) {
                List<Map<String, AttributeValue>> ofState = new ArrayList<>();
                for (var page : db.queryPaginator(b -> b.tableName(config.table())
                        .indexName(Items.BY_STATE)
                        .keyConditionExpression("#st = :st")
                        .expressionAttributeNames(Names.of("#st"))
                        .expressionAttributeValues(Map.of(":st", s(items.st(state.label()))))
                        .limit(Math.min(limit, 1_000)))) {
                    ofState.addAll(page.items());
                    if (ofState.size() >= limit) break;
                }
                found.addAll(ofState);
            }
            return found.stream()
                    .sorted(Comparator.comparingLong(i -> Codec.number(i, Items.SEQ)))
                    .limit(limit)
                    .map(Codec::info)
                    .toList();
        });
    }

    /** One batched read of the split items; a split being registered counts (pending), one replaced or forgotten not. */
    @Override
    public List<SplitInfo> splitsNamed(Collection<String> splitIds) {
        if (splitIds.isEmpty()) return List.of();
        return call(
                "look up splits",
                () -> reads.get(splitIds.stream().map(items::split).toList()).stream()
                        .filter(i -> !Set.of(Items.REPLACED, Items.FORGOTTEN)
                                .contains(i.get("state").s()))
                        .sorted(Comparator.comparingLong(i -> Codec.number(i, Items.SEQ)))
                        .map(Codec::info)
                        .toList());
    }

    @Override
    public int retry(Collection<String> splitIds) {
        return call("send splits back to pending", () -> {
            List<String> ids = new ArrayList<>(splitIds);
            if (ids.isEmpty()) {
                for (String state : List.of("failed", "dead")) {
                    reads.query(
                            QueryRequest.builder()
                                    .tableName(config.table())
                                    .indexName(Items.BY_STATE)
                                    .keyConditionExpression("#st = :st")
                                    .expressionAttributeNames(Names.of("#st"))
                                    .expressionAttributeValues(Map.of(":st", s(items.st(state))))
                                    .build(),
                            i -> ids.add(i.get(Items.SK).s()));
                }
            }
            String update = BACK_TO_PENDING + " REMOVE #owner, #retry";
            String condition = "#state IN (:failed, :dead)";
            int n = 0;
            for (String id : ids) {
                Map<String, AttributeValue> values = backToPending();
                values.put(":failed", s("failed"));
                values.put(":dead", s("dead"));
                if (updateIf(id, update, condition, values)) n++; // else done, pending, claimed or unknown: left
            }
            return n;
        });
    }

    /** Reads the done splits' versions from the state index: like {@link #counts}, a read of the whole index. */
    @Override
    public Map<String, Long> doneByVersion() {
        return call("count done splits by pipeline version", () -> {
            Map<String, Long> byVersion = new HashMap<>();
            eachDone("#pv", i -> byVersion.merge(Codec.version(i), 1L, Long::sum));
            return byVersion;
        });
    }

    /**
     * One conditional write per outdated split, found in the state index (which may lag the latest completions by a
     * moment): it goes back only if it is still done with the version it was found with.
     */
    @Override
    public int requeueOutdated(String current) {
        Objects.requireNonNull(current, "current");
        return call("send outdated splits back to pending", () -> {
            List<Map<String, AttributeValue>> outdated = new ArrayList<>();
            eachDone("#sk, #pv", i -> {
                if (!Codec.version(i).equals(current)) outdated.add(i);
            });
            int n = 0;
            for (Map<String, AttributeValue> split : outdated) {
                boolean versioned = split.containsKey("pv");
                String seen = versioned ? "#pv = :seen" : "attribute_not_exists(#pv)";
                // sent back already, or reset meanwhile, when it fails
                if (sendBackDone(
                        split.get(Items.SK).s(), seen, versioned ? Map.of(":seen", split.get("pv")) : Map.of())) n++;
            }
            return n;
        });
    }

    /**
     * Sends the done split {@code id} back to pending with its results dropped, when it is done and {@code also}
     * holds (values it names in {@code alsoValues}); false when not.
     */
    private boolean sendBackDone(String id, String also, Map<String, AttributeValue> alsoValues) {
        String update = BACK_TO_PENDING + " REMOVE #owner, #rows_in, #rows_out, #rejected, #outputs, #pv";
        String condition = "#state = :done" + (also.isEmpty() ? "" : " AND " + also);
        Map<String, AttributeValue> values = backToPending();
        values.put(":done", s("done"));
        values.putAll(alsoValues);
        return updateIf(id, update, condition, values);
    }

    /** The update that sends a split back to pending, with no attempts; its values are {@link #backToPending()}. */
    private static final String BACK_TO_PENDING =
            "SET #state = :pending, #st = :st, #attempts = :zero, #updated = :now";

    /** The values of {@link #BACK_TO_PENDING} (state, state index, no attempts, now); mutable, for more. */
    private Map<String, AttributeValue> backToPending() {
        return new HashMap<>(Map.of(
                ":pending", s("pending"), ":st", s(items.st("pending")), ":zero", n(0), ":now", n(clock.millis())));
    }

    @Override
    public int replay(Collection<String> splitIds) {
        return call("send done splits back to pending", () -> {
            int n = 0;
            for (String id : new java.util.LinkedHashSet<>(splitIds)) {
                if (sendBackDone(id, "", Map.of())) n++; // not done (or unknown): left alone
            }
            return n;
        });
    }

    /** Adds up the done splits from the state index: like {@link #counts}, a read of the whole index. */
    @Override
    public Totals totals() {
        return call("add up the done splits", () -> {
            Sum sum = new Sum();
            eachDone("#rows_in, #rows_out, #rejected, #updated", sum::add);
            return new Totals(
                    sum.rowsIn, sum.rowsOut, sum.rejected, sum.last == 0 ? null : Instant.ofEpochMilli(sum.last));
        });
    }

    /** What the done splits read so far add up to. */
    private static final class Sum {
        long rowsIn;
        long rowsOut;
        long rejected;
        long last;

        void add(Map<String, AttributeValue> done) {
            rowsIn += Codec.number(done, "rows_in");
            rowsOut += Codec.number(done, "rows_out");
            rejected += Codec.number(done, "rejected");
            last = Math.max(last, Codec.number(done, "updated"));
        }
    }

    /** Every done split in the state index, with the attributes named in {@code projection}. */
    private void eachDone(String projection, Consumer<Map<String, AttributeValue>> each) {
        reads.query(
                QueryRequest.builder()
                        .tableName(config.table())
                        .indexName(Items.BY_STATE)
                        .keyConditionExpression("#st = :st")
                        .projectionExpression(projection)
                        .expressionAttributeNames(Names.of("#st", projection))
                        .expressionAttributeValues(Map.of(":st", s(items.st("done"))))
                        .build(),
                each);
    }

    @Override
    public String incarnation() {
        return call("read the ledger's incarnation", registrar::incarnation);
    }

    @Override
    public void reset() {
        call("reset the pipeline", () -> {
            registrar.reset();
            return null;
        });
    }

    // ---- worker pools ----------------------------------------------------------------------------------

    @Override
    public void announce(WorkerInfo self, Duration ttl) {
        requirePositive("ttl", ttl);
        call("announce a worker", () -> {
            workerPool.announce(self, ttl);
            return null;
        });
    }

    @Override
    public List<WorkerStatus> workers(Duration seenWithin) {
        return call("list workers", () -> workerPool.workers(seenWithin));
    }

    @Override
    public void retire(String workerId) {
        call("retire a worker", () -> {
            workerPool.retire(workerId);
            return null;
        });
    }

    @Override
    public boolean lead(String workerId, Duration lease) {
        Objects.requireNonNull(workerId, "workerId");
        requirePositive("lease", lease);
        return call("take the leader lease", () -> workerPool.lead(workerId, lease));
    }

    @Override
    public void close() {
        pool.shutdownNow();
        db.close();
    }

    @Override
    public String toString() {
        return config.describe() + " (pipeline " + pipeline + ")";
    }

    // ---- plumbing -------------------------------------------------------------------------------------

    private <T> T call(String action, Supplier<T> work) {
        try {
            return work.get();
        } catch (SdkException e) {
            throw DynamoDbErrors.failure(config, action, e);
        }
    }
}
