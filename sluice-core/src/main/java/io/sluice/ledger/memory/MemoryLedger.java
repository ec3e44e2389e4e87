package io.sluice.ledger.memory;

import static io.sluice.ledger.LedgerArgs.requireLock;
import static io.sluice.ledger.LedgerArgs.requirePositive;

import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.KnownMember;
import io.sluice.spi.Ledger;
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
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A ledger kept in this JVM's memory, for tests and one-shot experiments. It keeps the whole contract while the
 * process lives (claims with leases and fencing tokens, retries, content digests, workers, the leader lease), and
 * forgets everything when the process ends: a crash or a restart starts from nothing, so every input is new work
 * again. Never use it where exactly-once across restarts matters.
 *
 * <p>A store holds any number of pipelines. {@link #open} makes a new, empty store; {@link #reopen} gives another
 * handle on the same store (another pipeline, or another worker of a pool inside this JVM). One lock per store
 * makes every call atomic.
 */
public final class MemoryLedger implements Ledger {
    private static final class Store {
        final ReentrantLock lock = new ReentrantLock();
        final Map<String, Book> books = new HashMap<>();
    }

    private final Store store;
    private final String pipeline;
    private final Clock clock;
    private boolean closed; // read and written under the store's lock

    private MemoryLedger(Store store, String pipeline, Clock clock) {
        this.store = store;
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A new, empty store, and a handle on it for the pipeline. */
    public static MemoryLedger open(String pipeline, Clock clock) {
        return new MemoryLedger(new Store(), pipeline, clock);
    }

    /** Another handle on this ledger's store, for the same or another pipeline. */
    public MemoryLedger reopen(String pipeline, Clock clock) {
        return new MemoryLedger(store, pipeline, clock);
    }

    // ---- planning -------------------------------------------------------------------------------------

    @Override
    public Map<String, KnownMember> known(Collection<String> keys) {
        return locked(book -> {
            Map<String, KnownMember> known = new HashMap<>();
            for (String key : keys) {
                KnownMember k = book.known(key);
                if (k != null) known.put(key, k);
            }
            return known;
        });
    }

    @Override
    public Map<String, KnownMember> latestDone(Collection<String> keys) {
        return locked(book -> book.latestDone(keys));
    }

    @Override
    public Optional<String> digestOwner(String sha256) {
        return locked(book -> Optional.ofNullable(book.digestOwners.get(sha256)));
    }

    @Override
    public Optional<Split> split(String splitId) {
        return locked(book -> Optional.ofNullable(book.rows.get(splitId)).map(Row::split));
    }

    @Override
    public Optional<String> newestSplit() {
        return locked(book -> book.rows.values().stream()
                .max(java.util.Comparator.comparingLong(Row::seq))
                .map(r -> r.split().id()));
    }

    @Override
    public List<String> register(List<Split> splits, Map<String, String> follows) {
        if (splits.isEmpty()) return List.of();
        return locked(book -> book.register(splits, follows, now()));
    }

    @Override
    public String incarnation() {
        return locked(book -> {
            if (book.incarnation == null) book.incarnation = UUID.randomUUID().toString();
            return book.incarnation;
        });
    }

    // ---- work -----------------------------------------------------------------------------------------

    @Override
    public Optional<Claim> claim(String owner, Duration lease) {
        return grant(owner, lease, Book::nextClaimable);
    }

    @Override
    public Optional<Claim> claim(String splitId, String owner, Duration lease) {
        Objects.requireNonNull(splitId, "splitId");
        return grant(owner, lease, (book, now) -> {
            Row named = book.rows.get(splitId);
            return named != null && named.claimable(now) ? named : null;
        });
    }

    /** Grants the row {@code pick} chooses (null: none) to the owner, with the next token. */
    private Optional<Claim> grant(String owner, Duration lease, BiFunction<Book, Instant, Row> pick) {
        Objects.requireNonNull(owner, "owner");
        requirePositive("lease", lease);
        return locked(book -> {
            Instant now = now();
            Row next = pick.apply(book, now);
            if (next == null) return Optional.empty();
            Row granted = next.granted(owner, ++book.lastToken, later(now, lease), now);
            book.put(granted);
            return Optional.of(
                    new Claim(granted.split(), owner, granted.token(), granted.leaseUntil(), granted.attempts()));
        });
    }

    @Override
    public boolean heartbeat(Claim claim, Duration lease) {
        requirePositive("lease", lease);
        return change(claim, (row, now) -> row.renewed(later(now, lease), now));
    }

    @Override
    public boolean isCurrent(Claim claim) {
        return locked(book -> book.held(claim.splitId(), claim.token()) != null);
    }

    @Override
    public void complete(Claim claim, Completion completion) throws StaleClaimException {
        Objects.requireNonNull(completion, "completion");
        if (!end(claim, SplitState.DONE, (row, now) -> row.completed(completion, now))) {
            throw new StaleClaimException(claim.splitId(), claim.token());
        }
    }

    @Override
    public void fail(Claim claim, String error, Optional<Instant> retryAt) throws StaleClaimException {
        Objects.requireNonNull(error, "error");
        Instant retry = retryAt.map(t -> Instant.ofEpochMilli(t.toEpochMilli())).orElse(null);
        if (!end(
                claim,
                retry == null ? SplitState.DEAD : SplitState.FAILED,
                (row, now) -> row.failed(error, retry, now))) {
            throw new StaleClaimException(claim.splitId(), claim.token());
        }
    }

    @Override
    public void release(Claim claim) {
        change(claim, (row, now) -> row.released(now));
    }

    @Override
    public boolean expire(String splitId, long token) {
        return locked(book -> {
            Row held = book.held(splitId, token);
            if (held == null) return false;
            book.put(held.expired(now()));
            return true;
        });
    }

    @Override
    public List<String> replace(Claim claim, List<Split> replacements) throws StaleClaimException {
        List<String> registered = locked(book -> {
            Row held = book.held(claim.splitId(), claim.token());
            return held == null ? null : book.replace(held, replacements, Map.of(), now());
        });
        if (registered == null) throw new StaleClaimException(claim.splitId(), claim.token());
        return registered;
    }

    @FunctionalInterface
    private interface Transition {
        Row next(Row held, Instant now);
    }

    /** {@link #change}, or true when the claim ended the split in {@code state} already: the same call made again. */
    private boolean end(Claim claim, SplitState state, Transition transition) {
        return locked(book -> change(claim, transition) || book.ended(claim.splitId(), claim.token(), state));
    }

    /** Applies a holder's change when the claim is current; false (nothing changed) when it is stale. */
    private boolean change(Claim claim, Transition transition) {
        return locked(book -> {
            Row held = book.held(claim.splitId(), claim.token());
            if (held == null) return false;
            book.put(transition.next(held, now()));
            return true;
        });
    }

    // ---- output locks ---------------------------------------------------------------------------------

    @Override
    public Optional<Lock> lock(String name, String owner, Duration lease) {
        requireLock(name, owner, lease);
        return locked(book -> {
            Instant now = now();
            Book.Held current = book.locks.get(name);
            boolean mine = current != null && current.owner().equals(owner);
            if (current != null && !mine && current.until().isAfter(now)) return Optional.empty();
            long token = mine ? current.token() : ++book.lastToken;
            book.locks.put(name, new Book.Held(owner, token, later(now, lease)));
            return Optional.of(new Lock(name, owner, token));
        });
    }

    @Override
    public Optional<Lock> holder(String name) {
        return locked(book -> {
            Book.Held current = book.locks.get(name);
            return current != null && current.until().isAfter(now())
                    ? Optional.of(new Lock(name, current.owner(), current.token()))
                    : Optional.<Lock>empty();
        });
    }

    @Override
    public boolean holds(Lock lock) {
        return locked(book -> {
            Book.Held current = book.locks.get(lock.name());
            return current != null
                    && current.token() == lock.token()
                    && current.until().isAfter(now());
        });
    }

    @Override
    public void unlock(Lock lock) {
        locked(book -> book.locks.computeIfPresent(
                lock.name(), (name, current) -> current.token() == lock.token() ? null : current));
    }

    // ---- status and operations ------------------------------------------------------------------------

    @Override
    public Map<SplitState, Long> counts() {
        return locked(book -> {
            Map<SplitState, Long> counts = new EnumMap<>(SplitState.class);
            for (Row r : book.rows.values()) counts.merge(r.state(), 1L, Long::sum);
            return counts;
        });
    }

    @Override
    public List<SplitInfo> splits(Set<SplitState> states, int limit) {
        if (states.isEmpty() || limit <= 0) return List.of();
        return locked(book -> book.rows.values().stream()
                .filter(r -> states.contains(r.state()))
                .limit(limit)
                .map(Row::info)
                .toList());
    }

    @Override
    public List<SplitInfo> splitsNamed(Collection<String> splitIds) {
        return locked(book -> new LinkedHashSet<>(splitIds)
                .stream()
                        .map(book.rows::get)
                        .filter(Objects::nonNull)
                        .map(Row::info)
                        .toList());
    }

    @Override
    public int retry(Collection<String> splitIds) {
        return locked(book -> {
            Collection<Row> candidates = splitIds.isEmpty()
                    ? book.rows.values()
                    : new LinkedHashSet<>(splitIds)
                            .stream()
                                    .map(book.rows::get)
                                    .filter(Objects::nonNull)
                                    .toList();
            List<Row> retried = candidates.stream()
                    .filter(r -> r.state() == SplitState.FAILED || r.state() == SplitState.DEAD)
                    .toList();
            Instant now = now();
            retried.forEach(r -> book.put(r.retried(now)));
            return retried.size();
        });
    }

    @Override
    public Map<String, Long> doneByVersion() {
        return locked(book -> {
            Map<String, Long> byVersion = new HashMap<>();
            for (Row r : book.rows.values()) {
                if (r.state() == SplitState.DONE) byVersion.merge(r.result().pipelineVersion(), 1L, Long::sum);
            }
            return byVersion;
        });
    }

    @Override
    public int requeueOutdated(String current) {
        Objects.requireNonNull(current, "current");
        return locked(book -> {
            List<Row> outdated = book.rows.values().stream()
                    .filter(r -> r.state() == SplitState.DONE
                            && !r.result().pipelineVersion().equals(current))
                    .toList();
            Instant now = now();
            outdated.forEach(r -> book.put(r.retried(now)));
            return outdated.size();
        });
    }

    @Override
    public int replay(Collection<String> splitIds) {
        return locked(book -> {
            List<Row> done = new LinkedHashSet<>(splitIds)
                    .stream()
                            .map(book.rows::get)
                            .filter(r -> r != null && r.state() == SplitState.DONE)
                            .toList();
            Instant now = now();
            done.forEach(r -> book.put(r.retried(now)));
            return done.size();
        });
    }

    @Override
    public Totals totals() {
        return locked(book -> {
            long in = 0;
            long out = 0;
            long rejected = 0;
            Instant last = null;
            for (Row r : book.rows.values()) {
                if (r.state() != SplitState.DONE) continue;
                in += r.result().rowsIn();
                out += r.result().rowsOut();
                rejected += r.result().rejected();
                if (last == null || r.updated().isAfter(last)) last = r.updated();
            }
            return new Totals(in, out, rejected, last);
        });
    }

    @Override
    public void reset() {
        locked(book -> {
            book.reset();
            return null;
        });
    }

    // ---- worker pools ----------------------------------------------------------------------------------

    @Override
    public void announce(WorkerInfo self, Duration ttl) {
        Objects.requireNonNull(self, "self");
        requirePositive("ttl", ttl);
        locked(book -> {
            Instant now = now();
            book.workers.values().removeIf(w -> w.expires().isBefore(now));
            book.workers.put(self.id(), new Book.Announced(self, now, later(now, ttl)));
            return null;
        });
    }

    @Override
    public List<WorkerStatus> workers(Duration seenWithin) {
        return locked(book -> {
            Instant now = now();
            Instant since = now.minus(seenWithin);
            Map<String, List<String>> held = new HashMap<>();
            for (String id : book.open.values()) {
                Row r = book.rows.get(id);
                if (r.liveAt(now))
                    held.computeIfAbsent(r.owner(), o -> new ArrayList<>()).add(id);
            }
            return book.workers.values().stream()
                    .filter(w -> !w.lastSeen().isBefore(since))
                    .map(w -> new WorkerStatus(
                            w.info(),
                            w.lastSeen(),
                            held.getOrDefault(w.info().id(), List.of()),
                            book.leads(w.info().id(), now)))
                    .toList();
        });
    }

    @Override
    public void retire(String workerId) {
        locked(book -> {
            book.workers.remove(workerId);
            if (book.leader != null && book.leader.holder().equals(workerId)) book.leader = null;
            return null;
        });
    }

    @Override
    public boolean lead(String workerId, Duration lease) {
        Objects.requireNonNull(workerId, "workerId");
        requirePositive("lease", lease);
        return locked(book -> {
            Instant now = now();
            Book.Leader current = book.leader;
            boolean free = current == null
                    || current.holder().equals(workerId)
                    || !current.until().isAfter(now);
            if (free) book.leader = new Book.Leader(workerId, later(now, lease));
            return free;
        });
    }

    /** Closes this handle; the store lives on while other handles use it. */
    @Override
    public void close() {
        store.lock.lock();
        try {
            closed = true;
        } finally {
            store.lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "memory ledger (pipeline " + pipeline + ")";
    }

    // ---- plumbing -------------------------------------------------------------------------------------

    private <T> T locked(Function<Book, T> work) {
        store.lock.lock();
        try {
            if (closed) throw new IllegalStateException(this + " is closed");
            return work.apply(store.books.computeIfAbsent(pipeline, p -> new Book()));
        } finally {
            store.lock.unlock();
        }
    }

    // whole milliseconds, as the other ledgers store them, so a time reads back as it was written
    private Instant now() {
        return Instant.ofEpochMilli(clock.millis());
    }

    private static Instant later(Instant now, Duration d) {
        return now.plusMillis(d.toMillis());
    }
}
