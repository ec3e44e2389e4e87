package io.sluice.sources.files;

import io.sluice.spi.Folders;
import io.sluice.spi.KnownMember;
import io.sluice.spi.LineParse;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import io.sluice.spi.Utf8;
import io.sluice.spi.ledger.PlanStore;
import io.sluice.spi.source.KnownSplits;
import io.sluice.spi.source.LocalFiles;
import io.sluice.spi.source.LocalFiles.Part;
import io.sluice.spi.source.NotReadyYet;
import io.sluice.spi.source.Packing;
import io.sluice.spi.source.Proposal;
import io.sluice.spi.source.ReadContext;
import io.sluice.spi.source.Skipped;
import io.sluice.spi.source.Source;
import io.sluice.spi.source.SplitReader;
import io.sluice.spi.storage.ObjectChangedException;
import io.sluice.spi.storage.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Lists a folder and proposes new, finished files as splits: large line files cut into byte ranges, small ones as
 * units the framework packs. Proposing changes nothing; the framework registers the proposal and, when another planner
 * registered some of it first, asks again.
 */
final class FilesSource implements Source {
    /** With enough files for every worker, a file is cut only above this many split sizes. */
    private static final long WHOLE_UP_TO = 4;

    /** Below this a pack is not worth splitting further for parallelism. */
    private static final long MIN_PACK_BYTES = 1 << 20;

    /** A sample ({@link #sample}) reads the head of this many files at most. */
    private static final int SAMPLE_FILES = 3;
    /** DuckDB's CSV and JSON readers detect the columns' types from this many rows of a split's first file. */
    private static final int SAMPLE_LINES = 20_480;
    /** The files after the first add their columns (packed, files are read by column name); a few rows do. */
    private static final int OTHER_FILE_LINES = 1_000;

    private static final int SAMPLE_BYTES = 8 << 20;

    /**
     * A pack's check at commit lists at most this many keys per member before it asks for the rest one by one: a
     * listing page holds up to 1,000 keys for one request.
     */
    private static final long LISTED_PER_MEMBER = 4;

    /**
     * @param detectTypes csv: the engine detects column types; false: every column is text, as written
     * @param types      csv: the types the user declared for some columns, by name (they hold whatever detectTypes)
     * @param encoding   csv and text: the files' character encoding ({@link LocalFiles#ENCODINGS})
     * @param parse      text only: how lines become columns; null for one {@code line} column
     * @param startAfter list only the keys after this one (time-ordered keys: what came before was read)
     * @param after      what to do with a split's inputs once it is done; null: leave them
     * @param sinkPrefix the key prefix ({@code out/}) of the folder the pipeline's own sink writes in, when it lies
     *                   inside this source's: never listed, or every run would read the output of the one before
     */
    record Settings(
            Storage storage,
            Globs globs,
            Optional<String> format,
            boolean header,
            boolean detectTypes,
            java.util.Map<String, String> types,
            String encoding,
            LineParse parse,
            boolean tail,
            Rotated rotated,
            Duration settle,
            Optional<String> marker,
            boolean dedupe,
            boolean reprocessChanged,
            long splitSize,
            int packFiles,
            long packBytes,
            Optional<String> startAfter,
            After after,
            Optional<String> sinkPrefix) {}

    /**
     * A file found by the listing, with its fingerprint.
     *
     * @param path the local file; null for an object of a store reached over the network
     */
    record Found(String key, Path path, long size, String fingerprint, String format, StoredObject object) {}

    /** Listed objects proposed at a time: one page of an S3 or GCS listing (Azure's are 5,000). */
    static final int LIST_BATCH = 1_000;

    private final Settings s;
    private final Clock clock;
    private final int batchSize;

    private final int parallelism;
    private final TailPlanner tails;
    private final SeenVersions seen;
    /**
     * How long a run's scan waits for a rotation taken for a live log to get its live log back before it refuses the
     * configuration: logrotate creates the new log milliseconds after renaming the old one; a service that reopens its
     * log on a signal takes longer, but not seconds.
     */
    private static final Duration ROTATION_GAP = Duration.ofSeconds(5);

    private static final long GAP_POLL_MS = 100;

    /** Where a run says what a scan waits for; null outside a run (validate, plan, status): see {@link #running}. */
    private volatile Consumer<String> say;

    /** The run watches (a watch run, a pool member): see {@link #running}. */
    private volatile boolean watching;
    /** A run's scan listed the logs: a watching run leaves a rotation in its gap out of later scans. */
    private volatile boolean scanned;

    FilesSource(Settings settings, Clock clock, int parallelism) {
        this(settings, clock, parallelism, LIST_BATCH);
    }

    /** @param batchSize how many listed objects are proposed at a time */
    FilesSource(Settings settings, Clock clock, int parallelism, int batchSize) {
        this.s = settings;
        this.clock = clock;
        this.parallelism = parallelism;
        this.batchSize = batchSize;
        this.seen = new SeenVersions(clock);
        this.tails = new TailPlanner(settings.rotated());
    }

    /** All batches as one proposal (the framework proposes batch by batch: {@link #propose(KnownSplits, java.util.function.Consumer)}). */
    @Override
    public Proposal propose(KnownSplits known) throws IOException {
        List<Proposal> batches = new ArrayList<>();
        propose(known, batches::add);
        if (batches.size() == 1) return batches.getFirst();
        List<Split> splits = new ArrayList<>();
        List<Packing.Unit> units = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        List<String> notices = new ArrayList<>();
        Packing packing = null;
        for (Proposal p : batches) {
            splits.addAll(p.splits());
            units.addAll(p.units());
            skipped.addAll(p.skipped());
            notices.addAll(p.notices());
            packing = p.packing() != null ? p.packing() : packing;
        }
        return new Proposal(splits, units, packing, skipped, notices, false);
    }

    /**
     * Lists the store page by page and proposes each batch of {@link #batchSize} listed objects as soon as it is
     * listed: memory holds one batch (and the digests of the new files with {@code dedupe: content}), not the bucket.
     * A batch's packs are closed in it. Tailed logs are few local files, identified by their heads: proposed at once.
     */
    @Override
    public void propose(KnownSplits ledger, java.util.function.Consumer<Proposal> batches) throws IOException {
        NoMatch noMatch = new NoMatch(s.globs());
        if (s.tail()) {
            List<Skipped> skipped = new ArrayList<>();
            List<String> notices = new ArrayList<>();
            LiveNamed live =
                    say == null ? LiveNamed.REFUSE : watching && scanned ? LiveNamed.LEAVE_OUT : LiveNamed.AWAIT;
            List<Found> found = list(skipped, noMatch, live, notices);
            scanned = true;
            batches.accept(withNoMatch(proposeTails(found, ledger, skipped, notices), noMatch));
            return;
        }
        Map<String, String> digests = new HashMap<>(); // content digest -> key, over the whole listing
        try (Stream<StoredObject> listed = s.storage().listRoot(s.startAfter().orElse(null), this::lists)) {
            List<StoredObject> batch = new ArrayList<>();
            for (java.util.Iterator<StoredObject> it = listed.iterator(); it.hasNext(); ) {
                StoredObject o = it.next();
                if (leftOut(o.key())) continue;
                batch.add(o);
                if (batch.size() < batchSize) continue;
                int decided = decided(batch);
                if (decided == 0) continue; // (a marker may still come for every one of them)
                batches.accept(batch(batch.subList(0, decided), batch, true, ledger, noMatch, digests));
                batch = new ArrayList<>(batch.subList(decided, batch.size()));
            }
            // the last batch carries the notice that the globs matched nothing, known only once all was listed
            batches.accept(withNoMatch(batch(batch, batch, false, ledger, noMatch, digests), noMatch));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private Proposal withNoMatch(Proposal p, NoMatch noMatch) {
        Optional<String> nothing = noMatch.message(s.storage().root());
        return nothing.isEmpty() ? p : p.withNotice(nothing.get());
    }

    /**
     * How many of the batch's first objects can be decided now. With a marker, an object waits for the key of its
     * marker, which lists after it: one whose marker key would still come after the last key listed stays for the
     * next batch.
     */
    private int decided(List<StoredObject> batch) {
        if (s.marker().isEmpty()) return batch.size();
        String lastKey = batch.getLast().key();
        for (int i = 0; i < batch.size(); i++) {
            if (byUtf8(lastKey, batch.get(i).key() + s.marker().get()) < 0) return i; // the listing's order
        }
        return batch.size();
    }

    /**
     * Proposes the files of one batch of the listing.
     *
     * @param objects the batch's objects to decide
     * @param around  those and the objects listed after them so far (where their markers are)
     * @param more    more objects follow: enough work for every worker, so packs are filled, not spread
     */
    private Proposal batch(
            List<StoredObject> objects,
            List<StoredObject> around,
            boolean more,
            KnownSplits ledger,
            NoMatch noMatch,
            Map<String, String> digests)
            throws IOException {
        List<Skipped> skipped = new ArrayList<>();
        Set<String> names = new HashSet<>();
        around.forEach(o -> names.add(o.key()));
        List<Found> ready = new ArrayList<>();
        for (StoredObject o : objects)
            ready(o, names::contains, skipped, noMatch).ifPresent(ready::add);
        Listing listing = new Listing(
                ready,
                skipped.stream().map(Skipped::key).toList(),
                objects.stream().map(StoredObject::key).collect(java.util.stream.Collectors.toSet()));
        Map<String, KnownMember> known = known(ledger, listing);
        List<Found> fresh = newWork(ready, known, skipped);
        Map<String, String> kept = s.dedupe() ? dedupe(fresh, ledger, skipped, digests) : Map.of();
        fresh = fresh.stream()
                .filter(f -> !s.dedupe() || kept.containsKey(f.key()))
                .toList();
        return splits(fresh, kept, known, ledger, listing, skipped, more);
    }

    @Override
    public void registered(List<Split> splits) {
        if (!s.tail()) seen.registered(splits);
    }

    /**
     * What the ledger holds about the listed files, asking it only about files not {@link SeenVersions seen} in their
     * version now, unless one of those turns out to be a changed file to read again: then about all of them.
     */
    private Map<String, KnownMember> known(KnownSplits ledger, Listing listing) {
        Map<String, String> versions = new HashMap<>();
        listing.ready().forEach(f -> versions.put(f.key(), f.fingerprint()));
        Map<String, KnownMember> known = new HashMap<>(seen.recall(versions));
        List<String> unseen = listing.ready().stream()
                .map(Found::key)
                .filter(k -> !known.containsKey(k))
                .toList();
        Map<String, KnownMember> asked = ledger.members(unseen);
        boolean changed = asked.values().stream()
                .anyMatch(k -> !OutputKey.fileVersion(k.fingerprint()).equals(versions.get(k.key())));
        if (changed && s.reprocessChanged()) {
            known.clear();
            asked = ledger.members(listing.keys());
        }
        seen.saw(asked.values(), versions);
        known.putAll(asked);
        return known;
    }

    /**
     * What one batch of the listing found: the files ready to read, the keys of the others (still changing, say), and
     * every key the batch listed.
     */
    private record Listing(List<Found> ready, List<String> notReady, Set<String> listed, Map<String, Found> byKey) {
        Listing(List<Found> ready, List<String> notReady, Set<String> listed) {
            this(ready, notReady, listed, byKey(ready));
        }

        private static Map<String, Found> byKey(List<Found> ready) {
            Map<String, Found> byKey = new HashMap<>();
            ready.forEach(f -> byKey.put(f.key(), f));
            return byKey;
        }

        List<String> keys() {
            List<String> keys = new ArrayList<>(byKey.keySet());
            keys.addAll(notReady);
            return keys;
        }
    }

    @Override
    public List<String> notes() {
        return s.sinkPrefix()
                .map(p -> List.of("the sink's folder " + s.storage().describe(p) + " is inside the source's folder: "
                        + "its files are left out, so the pipeline never reads its own output"))
                .orElse(List.of());
    }

    /**
     * For {@code sluice validate}: refuses a root the store refuses (a bucket that does not exist, credentials refused;
     * an empty prefix is fine), reading the first page of its listing; with {@code tail}, refuses a {@code rotated} glob
     * that names a live log. A store that does not answer is left to the sample's note.
     */
    @Override
    public Optional<String> check() throws IOException {
        if (s.tail()) {
            list(new ArrayList<>(), null, LiveNamed.REFUSE, null);
            return Optional.empty();
        }
        try (Stream<StoredObject> first = s.storage().listRoot(s.startAfter().orElse(null), this::lists)) {
            return Optional.empty(); // the first page is read before listRoot returns
        } catch (IOException e) {
            return Optional.empty(); // unreachable: the steps' check says the input could not be sampled, and why
        }
    }

    /**
     * A rotation named by a number before its extension, or moved into another folder, is taken for a live log while
     * its live log is missing (logrotate renames the log, then creates it again), and that moment must not end a run:
     * a run's scan that meets one waits up to {@link #ROTATION_GAP} for its live log before refusing the configuration
     * (a mistake is still there then), and a watching run's later scans leave it out, with the reason.
     */
    @Override
    public void running(boolean watching, Consumer<String> say) {
        this.watching = watching;
        this.say = say;
    }

    @Override
    public List<String> status(KnownSplits known) throws IOException {
        if (!s.tail()) return List.of();
        // what the ledger holds is shown also when the configuration would be refused: status is where one looks then
        List<String> warnings = new ArrayList<>();
        List<TailPlanner.Log> logs =
                tails.identify(list(new ArrayList<>(), null, LiveNamed.KEEP, warnings), new ArrayList<>());
        List<String> lines = new ArrayList<>();
        warnings.forEach(w -> lines.add("warning: " + w + " (runs refuse this configuration until it is fixed)"));
        lines.addAll(tails.status(logs, known));
        return lines;
    }

    /**
     * Tailed logs: the new complete lines of each, packed by the framework. Registered in order (a later split may
     * continue a log from a range of an earlier one), so a refused one stops the registration and the logs are
     * proposed again from what the ledger holds then.
     */
    private Proposal proposeTails(List<Found> ready, KnownSplits known, List<Skipped> skipped, List<String> notices)
            throws IOException {
        List<TailPlanner.Log> logs = tails.identify(ready, skipped);
        TailPlanner.Planned planned = tails.plan(logs, known, s.splitSize(), skipped, notices);
        Packing packing = new Packing(s.packFiles(), s.packBytes(), MIN_PACK_BYTES, parallelism, false);
        return new Proposal(planned.splits(), planned.units(), packing, skipped, notices, true);
    }

    /** A pack of new files, or of a tailed log's ranges; named by {@link SplitNames} or {@link TailPlanner}. */
    @Override
    public Split pack(List<Split> units) {
        List<Member> members = units.stream().flatMap(u -> u.members().stream()).toList();
        long bytes = units.stream().mapToLong(Split::bytes).sum();
        return s.tail()
                ? TailPlanner.pack(
                        units.getFirst().id(),
                        members,
                        units.stream().flatMap(u -> EndMarks.of(u).stream()).toList())
                : SplitNames.pack(members, bytes, null);
    }

    /** What a listing does with a file a {@code rotated} glob names that is taken for a live log. */
    private enum LiveNamed {
        /** Refuses the configuration: validate, plan. */
        REFUSE,
        /** Lists again until none is left, for up to {@link #ROTATION_GAP}, then refuses: a run's (first) scan. */
        AWAIT,
        /** Lists it, with the refusal added to {@code said} as a warning: status, and reading a planned range. */
        KEEP,
        /**
         * Leaves it out of this listing, skipped with the refusal, added to {@code said} as a notice: a watching run's
         * later scans.
         */
        LEAVE_OUT
    }

    /**
     * Lists the whole store (from {@code start_after} on): tailed logs only, a few local files. Files not ready yet are
     * reported as waiting; see {@link #ready}. A file {@code rotated} names that is taken for a live log is handled as
     * {@code live} says, its reason going to {@code said} (null with {@link LiveNamed#REFUSE}).
     */
    private List<Found> list(List<Skipped> skipped, NoMatch noMatch, LiveNamed live, List<String> said)
            throws IOException {
        Listed listed = listed();
        if (live == LiveNamed.AWAIT && !listed.liveNamed().isEmpty()) listed = afterGap(listed);
        List<StoredObject> objects = new ArrayList<>(listed.objects());
        Set<String> names = new HashSet<>();
        objects.forEach(o -> names.add(o.key()));
        Map<String, RuntimeException> liveNamed = listed.liveNamed();
        if (!liveNamed.isEmpty()) {
            switch (live) {
                case REFUSE, AWAIT -> throw liveNamed.values().iterator().next();
                case KEEP -> said.add(liveNamed.values().iterator().next().getMessage());
                case LEAVE_OUT -> {
                    // nothing of it is read or registered: once its live log is listed again it is a rotation, read
                    // from where the live log's reading stopped
                    objects.removeIf(o -> liveNamed.containsKey(o.key()));
                    if (noMatch != null) noMatch.matched(); // (include matched them: not "matches nothing")
                    liveNamed.forEach((key, e) -> {
                        String why = "left out of this scan, and listed again at the next: " + e.getMessage();
                        skipped.add(Skipped.because(key, why));
                        said.add(key + " " + why);
                    });
                }
            }
        }
        List<Found> found = new ArrayList<>();
        for (StoredObject o : objects)
            ready(o, names::contains, skipped, noMatch).ifPresent(found::add);
        return found;
    }

    /** One listing of the store, with the files {@code rotated} names that are taken for live logs, and why. */
    private record Listed(List<StoredObject> objects, Map<String, RuntimeException> liveNamed) {}

    private Listed listed() throws IOException {
        List<StoredObject> objects = new ArrayList<>();
        try (Stream<StoredObject> listed = s.storage().listRoot(s.startAfter().orElse(null), this::lists)) {
            listed.filter(o -> !leftOut(o.key())).forEach(objects::add);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        // before anything is read, settled or not: a live log that `rotated` names would be read twice; whether a file
        // is one depends on the live logs listed beside it
        Map<String, RuntimeException> liveNamed = s.rotated()
                .liveNamedAll(objects.stream()
                        .map(StoredObject::key)
                        .filter(k -> s.globs().matches(Path.of(k)))
                        .filter(k ->
                                s.marker().isEmpty() || !k.endsWith(s.marker().get()))
                        .toList());
        return new Listed(objects, liveNamed);
    }

    /**
     * Lists again until no file {@code rotated} names is taken for a live log, or {@link #ROTATION_GAP} has passed:
     * between logrotate's rename and the new live log, a rotation looks like one for a moment, which is no mistake of
     * the configuration. Returns the last listing, to refuse when still taken for one.
     */
    private Listed afterGap(Listed listed) throws IOException {
        say.accept(String.join(", ", listed.liveNamed().keySet()) + ": taken for a live log that rotated names (no"
                + " live log is listed beside it); waiting up to " + ROTATION_GAP.toSeconds() + " s for logrotate to"
                + " create its live log again before refusing the configuration");
        long deadline = System.nanoTime() + ROTATION_GAP.toNanos();
        while (!listed.liveNamed().isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(GAP_POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("stopped while waiting for a rotated log's live log");
            }
            listed = listed();
        }
        return listed;
    }

    /**
     * The object as a file to read, when the globs take it and it is ready: settled, or with its marker
     * ({@code exists} says whether a key is there). One not ready yet (still being written, no marker) is reported as
     * waiting; a visible one the globs leave out goes to {@code noMatch} (when not null) while no file matched.
     */
    private Optional<Found> ready(
            StoredObject o, java.util.function.Predicate<String> exists, List<Skipped> skipped, NoMatch noMatch) {
        String key = o.key();
        if (!s.globs().matches(Path.of(key))) {
            if (noMatch != null && noMatch.collecting()) noMatch.unmatched(key);
            return Optional.empty();
        }
        if (s.marker().isPresent() && key.endsWith(s.marker().get())) return Optional.empty();
        if (noMatch != null) noMatch.matched();
        long now = clock.millis();
        long mtime = o.lastModified().toEpochMilli();
        if (s.marker().isPresent()) {
            if (!exists.test(key + s.marker().get())) {
                skipped.add(Skipped.because(
                        key, "waiting for its marker " + name(key) + s.marker().get()));
                return Optional.empty();
            }
        } else if ((!s.tail() || Formats.compressed(key) || s.rotated().names(key))
                && now - mtime < s.settle().toMillis()) {
            // a tailed log is read by complete lines and needs no settling; its compressed rotations do, and the
            // rotations `rotated` names (a short one is read whole)
            skipped.add(Skipped.waiting(
                    key,
                    "still changing (modified " + (now - mtime) + " ms ago, settle "
                            + s.settle().toMillis() + " ms)",
                    s.settle().toMillis()));
            return Optional.empty();
        }
        Optional<String> format = s.format().or(() -> Formats.fromName(key));
        if (format.isEmpty()) {
            skipped.add(Skipped.because(
                    key,
                    "unknown format: name it with an extension (.csv, .jsonl, .parquet, "
                            + ".txt) or set source.files.format"));
            return Optional.empty();
        }
        return Optional.of(
                new Found(key, s.storage().file(key), o.size(), s.storage().fingerprint(o), format.get(), o));
    }

    /** The last part of a key: a file's name. */
    private static String name(String key) {
        return key.substring(key.lastIndexOf('/') + 1);
    }

    /** Bytes of an object's name a local spool file keeps: local disks take 255, a store's key 1,024. */
    private static final int SPOOL_NAME_BYTES = 128;

    /**
     * The name of the local file an object is downloaded into: {@code unique} (the member's place in its split) and the
     * end of the object's name, which holds its extensions ({@code .csv.gz}), cut to {@value #SPOOL_NAME_BYTES} bytes.
     */
    static String spoolName(String unique, String key) {
        return unique + Utf8.tail(name(key), SPOOL_NAME_BYTES);
    }

    /** Drops files the ledger already holds in this version (or in any version, with on_change: ignore). */
    private List<Found> newWork(List<Found> ready, Map<String, KnownMember> known, List<Skipped> skipped) {
        List<Found> fresh = new ArrayList<>();
        for (Found f : ready) {
            KnownMember k = known.get(f.key());
            if (k == null) {
                fresh.add(f);
            } else if (OutputKey.fileVersion(k.fingerprint()).equals(f.fingerprint())) {
                skipped.add(Skipped.seen(
                        f.key(),
                        k.state(),
                        "already in split " + k.splitId() + " (" + k.state().label() + ")"));
            } else if (!s.reprocessChanged()) {
                skipped.add(Skipped.because(f.key(), "changed since split " + k.splitId() + "; on_change: ignore"));
            } else {
                fresh.add(f);
            }
        }
        return fresh;
    }

    /**
     * An object that was deleted or overwritten between its listing and a read of it while planning: left out, and
     * found again by the next listing in its new version (if any).
     */
    private static Skipped gone(Found f, IOException e) {
        return Skipped.because(
                f.key(),
                e instanceof NoSuchFileException
                        ? "deleted while it was being listed"
                        : "overwritten while it was being listed: that version is stale, the new one is planned at the next scan");
    }

    /**
     * sha256 of each file (the store's own checksum where it keeps one); a file whose bytes another file already
     * brought (registered, or earlier in this listing: {@code seen}, digest to key) is skipped. Returns key -> digest.
     */
    private Map<String, String> dedupe(
            List<Found> fresh, KnownSplits ledger, List<Skipped> skipped, Map<String, String> seen) throws IOException {
        Map<String, String> kept = new LinkedHashMap<>();
        for (Found f : fresh) {
            String digest;
            try {
                digest = s.storage().sha256(f.object(), f.fingerprint());
            } catch (NoSuchFileException | ObjectChangedException e) {
                skipped.add(gone(f, e));
                continue;
            }
            Optional<String> owner = Optional.ofNullable(seen.get(digest)).or(() -> ledger.digestOwner(digest));
            if (owner.isPresent() && !owner.get().equals(f.key())) {
                skipped.add(Skipped.because(f.key(), "same content as " + owner.get() + " (dedupe: content)"));
                continue;
            }
            seen.put(digest, f.key());
            kept.put(f.key(), digest);
        }
        return kept;
    }

    /**
     * Cuts large line files into ranges and packs the rest, per format, in path order. A range is copied to a spool
     * before the engine reads it, so when the scan found enough files to keep every worker busy, files up to
     * {@value #WHOLE_UP_TO} split sizes are read whole instead; so when {@code more} batches of the listing follow.
     *
     * <p>A new version of a file keeps the output key of its earlier split ({@link OutputKey}), whose output it
     * replaces: a file read alone or in ranges is read alone or in ranges again, never packed with other files; a
     * file read in a pack is read again with all the files of that pack ({@link #repack}).
     */
    private Proposal splits(
            List<Found> fresh,
            Map<String, String> digests,
            Map<String, KnownMember> known,
            KnownSplits ledger,
            Listing listing,
            List<Skipped> skipped,
            boolean more)
            throws IOException {
        List<Split> out = new ArrayList<>();
        List<Packing.Unit> units = new ArrayList<>();
        // each file proposed follows the registration of it this plan saw (none for a new file): the ledger refuses
        // it if another planner registered the file since, whose newer view decides what comes next (rule 1)
        Map<String, String> follows = new HashMap<>();
        Map<String, List<Found>> repacks = new LinkedHashMap<>();
        Map<String, Optional<Split>> earlierSplits = new HashMap<>();
        long cutAbove = more || fresh.size() >= 2L * parallelism ? WHOLE_UP_TO * s.splitSize() : s.splitSize();
        Set<String> moving = changedSinceListed(fresh, known, skipped);
        for (Found f : fresh) {
            KnownMember earlier = known.get(f.key());
            if (moving.contains(f.key())) continue;
            Optional<Split> earlierSplit = earlier == null
                    ? Optional.empty()
                    : earlierSplits.computeIfAbsent(earlier.splitId(), ledger::split);
            String outputKey = outputKey(earlierSplit, f.key());
            if (!outputKey.equals(f.key())) {
                repacks.computeIfAbsent(outputKey, x -> new ArrayList<>()).add(f);
                continue;
            }
            boolean later = earlier != null;
            follows.put(f.key(), later ? earlier.fingerprint() : PlanStore.NOTHING);
            // a later version registers under a fingerprint tagged by the registration it follows: its own alone
            // may be registered already, when the input returned to an earlier version
            String fingerprint = later ? OutputKey.after(f.fingerprint(), earlier.fingerprint()) : f.fingerprint();
            String digest = digests.get(f.key());
            if (f.size() > cutAbove
                    && Formats.lineFormat(f.format())
                    && !Formats.compressed(f.key())
                    && s.after() == null) {
                List<Long> cuts;
                String payload;
                try {
                    boolean csv = f.format().equals("csv");
                    cuts = s.storage().cuts(f.key(), f.fingerprint(), f.size(), s.splitSize(), csv);
                    boolean header = csv && s.header();
                    payload = cuts.size() > 2 && (header || typedByHead(f.format()))
                            ? RangePayload.of(s.storage(), f, cuts.get(1), header)
                            : null;
                } catch (NoSuchFileException | ObjectChangedException e) {
                    skipped.add(gone(f, e));
                    continue;
                }
                if (cuts.size() > 2) {
                    for (int i = 0; i + 1 < cuts.size(); i++) {
                        out.add(SplitNames.range(
                                new Member(f.key(), fingerprint, cuts.get(i), cuts.get(i + 1), i == 0 ? digest : null),
                                later,
                                i == 0 ? null : payload));
                    }
                    continue;
                }
            }
            Split whole = SplitNames.file(Member.whole(f.key(), fingerprint, digest), f.size(), later, null);
            if (later || f.size() >= s.packBytes() || s.packFiles() == 1) {
                out.add(whole);
            } else {
                units.add(new Packing.Unit(whole, f.format(), null));
            }
        }
        for (var e : repacks.entrySet()) {
            repack(e.getKey(), e.getValue(), digests, known, ledger, earlierSplits, listing, skipped, follows, moving)
                    .ifPresent(out::add);
        }
        Packing packing = new Packing(s.packFiles(), s.packBytes(), MIN_PACK_BYTES, more ? 1 : parallelism, true);
        return new Proposal(out, units, packing, skipped, List.of(), false, follows);
    }

    /**
     * The later versions of files (those the ledger holds an earlier one of) that changed again, or went, since the
     * listing: each is reported as still changing and planned at the next scan. A later version registers after the
     * registration the plan read from the ledger, and the ledger refuses it if another planner registered one since
     * ({@code PlanStore.register}); that order holds only when the version was seen after that read, or a plan that
     * listed before another planner registered and read the ledger after would register an older version after a
     * newer one (which the next plan would then register, and read, again). New files follow no registration: none.
     */
    private Set<String> changedSinceListed(List<Found> fresh, Map<String, KnownMember> known, List<Skipped> skipped)
            throws IOException {
        Set<String> moving = new HashSet<>();
        for (Found f : fresh) {
            if (!known.containsKey(f.key())) continue;
            Optional<StoredObject> now = s.storage().stat(f.key());
            if (now.isPresent() && s.storage().fingerprint(now.get()).equals(f.fingerprint())) continue;
            moving.add(f.key());
            skipped.add(Skipped.waiting(
                    f.key(),
                    "still changing (changed again while it was being planned); planned at the next scan",
                    s.settle().toMillis()));
        }
        return moving;
    }

    /**
     * The output key of a file's earlier split; the file's own key when it has none (a split registered before splits
     * carried their output key) or its split had another kind.
     */
    private static String outputKey(Optional<Split> earlier, String key) {
        return earlier.map(Split::outputKey).map(OutputKey::key).orElse(key);
    }

    /**
     * A pack of which some files changed: planned again with every file whose latest split belongs to the pack,
     * changed or not, so that its output, which replaces the pack's earlier output, holds all of them. An unchanged
     * file is registered again with its fingerprint tagged by the new pack's version ({@link OutputKey#carried}): one
     * version of one file is registered once per ledger, and the tag makes this registration new while two planners
     * that plan the same pack again still collide on it.
     *
     * <p>When a file of the pack is not ready (still being written) the pack waits for it. When one is no longer
     * listed (removed, moved away after processing, excluded), the changed files are skipped with the reason: the
     * pack's new output would lose the rows of the missing file.
     */
    private Optional<Split> repack(
            String packKey,
            List<Found> changed,
            Map<String, String> digests,
            Map<String, KnownMember> known,
            KnownSplits ledger,
            Map<String, Optional<Split>> earlierSplits,
            Listing listing,
            List<Skipped> skipped,
            Map<String, String> follows,
            Set<String> moving) {
        // the pack's files: the members of the split a changed file was last registered in (the pack, or its
        // latest version), each counted while its own latest registration is of this pack
        Set<String> packed = new HashSet<>();
        earlierSplits
                .get(known.get(changed.getFirst().key()).splitId())
                .orElseThrow()
                .members()
                .forEach(m -> packed.add(m.key()));
        // the pack's files another batch of the listing holds are looked up one by one: a pack is small
        Map<String, KnownMember> packKnown = new HashMap<>(known);
        List<String> elsewhere = packed.stream()
                .filter(k -> !listing.listed().contains(k))
                .sorted()
                .toList();
        if (!elsewhere.isEmpty()) packKnown.putAll(ledger.members(elsewhere));
        java.util.function.Predicate<String> inPack = k -> packed.contains(k)
                && packKnown.containsKey(k)
                && packKey.equals(
                        outputKey(earlierSplits.computeIfAbsent(packKnown.get(k).splitId(), ledger::split), k));
        List<Found> files = new ArrayList<>(
                listing.ready().stream().filter(f -> inPack.test(f.key())).toList());
        List<String> waiting =
                new ArrayList<>(listing.notReady().stream().filter(inPack).toList());
        files.stream().map(Found::key).filter(moving::contains).forEach(waiting::add);
        for (String k : elsewhere) {
            if (!inPack.test(k) || leftOut(k)) continue;
            Optional<StoredObject> o = stat(k);
            if (o.isEmpty()) continue;
            List<Skipped> notReady = new ArrayList<>();
            Optional<Found> f = ready(o.get(), x -> stat(x).isPresent(), notReady, null);
            if (f.isPresent()) files.add(f.get());
            else if (!notReady.isEmpty()) waiting.add(k);
        }
        files.sort(java.util.Comparator.comparing(Found::key));
        int expected = packed.size();
        String problem = null;
        if (!waiting.isEmpty()) {
            problem = "changed; it was packed with other files (split " + packKey + ") and is read again with all of "
                    + "them once " + String.join(", ", waiting) + " " + (waiting.size() == 1 ? "is" : "are") + " ready";
        } else if (files.size() < expected) {
            problem = "changed, but it was packed with " + (expected - 1) + " other file(s) (split " + packKey
                    + ") and "
                    + (expected - files.size()) + " of them are no longer listed (removed, moved or excluded; or, in a "
                    + "ledger an older Sluice wrote, read again on their own): its new version would replace the pack's "
                    + "output and lose their rows, so it is not read; restore them "
                    + "(same size and modification time), or start over: `sluice reset --yes` the pipeline and run it (the "
                    + "output is then replaced by that of the files there now)";
        }
        if (problem != null) {
            for (Found f : changed) skipped.add(Skipped.because(f.key(), problem));
            return Optional.empty();
        }
        // the unchanged files are read again with the pack: not skipped as already processed (the plan and the run's
        // count of inputs processed by earlier runs would say otherwise)
        Set<String> reread = new HashSet<>();
        files.forEach(f -> reread.add(f.key()));
        skipped.removeIf(x -> x.why() == Skipped.Why.SEEN && reread.contains(x.key()));
        // the version follows the pack's registration before it, so that files returning to earlier versions make a
        // new one; every file is registered under it (an unchanged one, or a changed one whose version the ledger may
        // hold already), its digest with it when it changed
        String previous = known.get(changed.getFirst().key()).splitId();
        String version = SplitNames.repackVersion(
                files.stream()
                        .map(f -> Member.whole(f.key(), f.fingerprint(), null))
                        .toList(),
                previous);
        List<Member> members = files.stream()
                .map(f -> Member.whole(
                        f.key(),
                        OutputKey.carried(f.fingerprint(), version),
                        OutputKey.fileVersion(packKnown.get(f.key()).fingerprint())
                                        .equals(f.fingerprint())
                                ? null
                                : digests.get(f.key())))
                .toList();
        files.forEach(f -> follows.put(f.key(), packKnown.get(f.key()).fingerprint()));
        return Optional.of(SplitNames.repack(
                packKey, version, members, files.stream().mapToLong(Found::size).sum(), null));
    }

    /** The object at {@code key} now, or empty; a listing failure as {@link UncheckedIOException}. */
    private Optional<StoredObject> stat(String key) {
        try {
            return s.storage().stat(key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A first pack ({@link SplitNames#pack}) is planned again as a pack of its readable files and each unreadable file
     * alone, named as new files are: the pack of the rest is a first pack of its own, so a later version of one of its
     * files is read again with exactly these files ({@link #repack}); a file alone is named like the file, so its later
     * version replaces its own output only. A pack planned again for a changed file ({@code pack:...@HASH}) stays
     * whole: its output replaces the pack's earlier output, which holds every file's rows. A tailed pack: see
     * {@link TailPlanner#divide}.
     */
    @Override
    public List<Split> divide(Split split, Set<Member> unreadable) {
        List<Member> readable =
                split.members().stream().filter(m -> !unreadable.contains(m)).toList();
        if (readable.isEmpty() || readable.size() == split.members().size()) return List.of();
        if (s.tail())
            return tails.divide(split, readable, identity -> Objects.requireNonNullElse(located(identity), identity));
        if (!SplitNames.firstPack(split)) return List.of();
        List<Split> out = new ArrayList<>();
        out.add(packed(readable));
        split.members().stream().filter(unreadable::contains).forEach(m -> out.add(packed(List.of(m))));
        return out;
    }

    /** A tailed range alone keeps what its split notes of it (its end mark, its log's head): read as in the split. */
    @Override
    public Split alone(Split split, Member member) {
        return s.tail() ? TailPlanner.alone(split, member) : Source.super.alone(split, member);
    }

    /** A pack of one file is named like the file; a larger pack by its first file, size and members' hash. */
    private static Split packed(List<Member> members) {
        long bytes =
                members.stream().mapToLong(m -> Storage.size(m.fingerprint())).sum();
        return members.size() == 1
                ? SplitNames.file(members.getFirst(), bytes, false, null)
                : SplitNames.pack(members, bytes, null);
    }

    /**
     * Local files are read in place and byte ranges spooled; an object of a store, or its range, is downloaded with one
     * ranged GET of the planned version, the whole objects of a pack {@value #DOWNLOADS_IN_FLIGHT} at a time. A version
     * overwritten since it was planned is left out with {@code on_change: reprocess} (the new version is its own split,
     * whose output replaces this one's); a file or object deleted since is left out too ({@link #deleted}), and the
     * split's other files go on without it.
     */
    @Override
    public SplitReader open(Split split, ReadContext context) throws IOException {
        Path scratch = context.scratch();
        List<Future<Opened>> opened = new ArrayList<>(); // in the members' order, whatever order the downloads end in
        String format = null;
        int n = 0;
        List<EndMarks.Noted> noted = s.tail() ? EndMarks.of(split) : List.of();
        try (ExecutorService downloads = Executors.newFixedThreadPool(DOWNLOADS_IN_FLIGHT, DOWNLOADERS)) {
            for (Member m : split.members()) {
                if (s.tail()) {
                    Opened tail = openTail(m, noted.get(n), scratch.resolve((n++) + ".spool"));
                    String key = tail.part() != null
                            ? tail.part().key()
                            : tail.left().key();
                    format = s.format().or(() -> Formats.fromName(key)).orElseThrow();
                    opened.add(CompletableFuture.completedFuture(tail));
                    continue;
                }
                String f = s.format().or(() -> Formats.fromName(m.key())).orElseThrow();
                format = format == null ? f : format;
                Path spool = scratch.resolve(spoolName((n++) + "-", m.key()));
                if (s.storage().local() || !m.isWhole()) {
                    // a local file read in place is checked here; a downloaded object by its GET
                    List<Skipped> left = new ArrayList<>();
                    Optional<Part> part = openMember(split, m, f, spool, context.files(), left);
                    opened.add(CompletableFuture.completedFuture(
                            new Opened(part.orElse(null), left.isEmpty() ? null : left.getFirst())));
                    continue;
                }
                opened.add(downloads.submit(
                        () -> download(split, m, context.files().create(spool))));
            }
            List<Part> parts = new ArrayList<>();
            List<Skipped> left = new ArrayList<>();
            for (Future<Opened> o : opened) {
                Opened done = awaitDownload(o, downloads);
                if (done.part() != null) parts.add(done.part());
                if (done.left() != null) left.add(done.left());
            }
            return SplitReader.of(
                    new LocalFiles(parts, format, s.header(), s.parse())
                            .withTextColumns(!s.detectTypes())
                            .withDeclared(s.types())
                            .withEncoding(s.encoding()),
                    left);
        } // closing the pool waits for every download: none writes into the scratch once this returns or throws
    }

    /**
     * Whole objects of one split downloaded at once: a GET mostly waits on the store (a round trip, the server's disk),
     * so a pack of small objects fetched one at a time would leave its worker idle most of the time.
     */
    static final int DOWNLOADS_IN_FLIGHT = 4;

    private static final java.util.concurrent.ThreadFactory DOWNLOADERS =
            Thread.ofPlatform().name("sluice-download-", 0).daemon().factory();

    /** A member of a split as opened: its part to read, or why it is left out. */
    private record Opened(Part part, Skipped left) {}

    /** A whole object downloaded into {@code spool} in the planned version, or why it is left out. */
    private Opened download(Split split, Member m, Path spool) throws IOException {
        try {
            s.storage().spool(m.key(), m.fingerprint(), 0, -1, null, spool);
        } catch (ObjectChangedException e) {
            Files.deleteIfExists(spool);
            if (s.reprocessChanged()) return new Opened(null, stale(m));
            s.storage().spool(m.key(), null, 0, -1, null, spool); // on_change: ignore: read what is there now
        } catch (NoSuchFileException e) {
            Files.deleteIfExists(spool);
            return new Opened(null, deleted(split, m));
        }
        return new Opened(Part.whole(spool, m.key()), null);
    }

    /** The download's outcome, its failure as thrown by the download; a failure stops the split's other downloads. */
    private static Opened awaitDownload(Future<Opened> o, ExecutorService downloads) throws IOException {
        try {
            return o.get();
        } catch (ExecutionException e) {
            downloads.shutdownNow();
            if (e.getCause() instanceof IOException io) throw io;
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IOException(e.getCause());
        } catch (InterruptedException e) {
            downloads.shutdownNow();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("stopped while downloading the split's input");
        }
    }

    /** A member read in place (a whole local file) or spooled (a byte range); empty when left out as stale. */
    private Optional<Part> openMember(
            Split split, Member m, String format, Path spool, ReadContext.FileMaker files, List<Skipped> left)
            throws IOException {
        Optional<StoredObject> now = s.storage().local() ? s.storage().stat(m.key()) : Optional.empty();
        if (s.storage().local()) {
            if (now.isEmpty()) {
                left.add(deleted(split, m));
                return Optional.empty();
            }
            String current = s.storage().fingerprint(now.get());
            if (!current.equals(OutputKey.fileVersion(m.fingerprint()))) {
                // Changed since planned (e.g. fixed after this split died, then `sluice retry`). With reprocess its new
                // version is its own split: reading it here too would write its rows twice.
                if (s.reprocessChanged()) {
                    left.add(stale(m));
                    return Optional.empty();
                }
                if (!m.isWhole()) throw rangeNoLongerFits(m, current);
                // on_change: ignore: no other split will read it; read what is there now
            }
            if (m.isWhole()) return Optional.of(Part.whole(s.storage().file(m.key()), m.key()));
        }
        boolean header = format.equals("csv") && s.header() && m.start() > 0;
        Path top = null;
        try {
            byte[] head = header ? RangePayload.header(split.payload()).orElse(null) : null;
            if (header && head == null) head = s.storage().headerLine(m.key(), m.fingerprint(), false);
            files.create(spool);
            s.storage().spool(m.key(), m.fingerprint(), m.start(), m.end(), head, spool);
            // without a header line too: a range's columns are then column0, column1, ... as in its head; the csv
            // range at byte 0 as well, or its own sniff (20,480 records, whatever their bytes) could type it apart from
            // the others, whose head stops at HEAD_BYTES; JSON lines at byte 0 are their own head (every record of it
            // is read for its columns)
            boolean csv = format.equals("csv");
            if (typedByHead(format) && !m.isWhole() && (csv || m.start() > 0))
                top = spoolHead(split, m, spool, files, csv);
        } catch (ObjectChangedException e) {
            Files.deleteIfExists(spool);
            if (s.reprocessChanged()) {
                left.add(stale(m));
                return Optional.empty();
            }
            throw rangeNoLongerFits(m, "another version");
        } catch (NoSuchFileException e) {
            Files.deleteIfExists(spool);
            left.add(deleted(split, m));
            return Optional.empty();
        }
        return Optional.of(
                new Part(spool, m.key(), s.storage().shift(m.key(), m.fingerprint(), m.start(), header), top));
    }

    /** The records of a file's head that DuckDB's sniffer samples for the columns' types (its {@code sample_size}). */
    static final int HEAD_RECORDS = 20_480;

    /** The most bytes of a file's head read for its types, whatever its records' length. */
    static final int HEAD_BYTES = 8 << 20;

    /**
     * Whether the byte ranges of a file of this format take their columns from the file's head: csv whose types are
     * detected (its types), JSON lines (its columns, each typed as the head's and the range's values together need).
     */
    private boolean typedByHead(String format) {
        return format.equals("jsonl") || (format.equals("csv") && s.detectTypes());
    }

    /**
     * A spool of the head of the file a csv or JSON lines byte range {@code m} is cut from, in the range's version: the
     * records of its first range that DuckDB's sniffer of that range samples, within {@link #HEAD_BYTES}, whose columns
     * every range of the file takes, a csv file's first range too (the engine's {@code DetectedCsv}, {@code
     * JsonColumns}); null when no record end in it can be trusted (the range is typed by itself).
     */
    private Path spoolHead(Split split, Member m, Path spool, ReadContext.FileMaker files, boolean csv)
            throws IOException {
        long end = m.start() == 0
                ? m.end()
                : Math.min(RangePayload.headEnd(split.payload()).orElse(m.start()), m.start());
        Path head = files.create(spool.resolveSibling("head-" + spool.getFileName()));
        boolean spooled = false;
        try {
            spooled = s.storage()
                    .spoolHead(
                            m.key(),
                            m.fingerprint(),
                            (int) Math.min(end, HEAD_BYTES),
                            HEAD_RECORDS,
                            new LineCutter.HeadSpool(head, csv));
        } finally {
            if (!spooled) Files.deleteIfExists(head);
        }
        return spooled ? head : null;
    }

    private static Skipped stale(Member m) {
        return Skipped.because(
                m.key(),
                "overwritten since it was planned: this version is stale, and the new one is "
                        + "a split of its own (on_change: reprocess) whose output replaces this one's");
    }

    /**
     * An input deleted between its listing and its read: nothing is left to read, so retrying cannot help. It is left
     * out with its reason (the run reports it) and the split's other members are read; if the key is written again,
     * that is a new version, planned by the next listing.
     *
     * <p>Not in a pack planned again for a changed file ({@link #repack}): its output replaces the pack's earlier
     * output, which holds this input's rows, so leaving it out would drop them. The split fails instead, as planning
     * refuses such a pack when one of its files is no longer listed.
     */
    private Skipped deleted(Split split, Member m) throws NoSuchFileException {
        String what = (s.storage().local() ? "file " : "object ") + s.storage().describe(m.key());
        if (split.members().size() > 1 && !SplitNames.firstPack(split)) {
            throw new NoSuchFileException(
                    s.storage().describe(m.key()),
                    null,
                    what + " was deleted after it was listed, and it was packed with the split's other files (split "
                            + split.outputKey().key() + "), whose output this split replaces: read without it, the "
                            + "output would lose its rows; restore it and `sluice retry` the pipeline, or start over: "
                            + "`sluice reset --yes` the pipeline and run it");
        }
        return Skipped.because(m.key(), what + " was deleted after it was listed");
    }

    private static IOException rangeNoLongerFits(Member m, String current) {
        return new IOException(m.key() + " changed after it was planned (size:mtime " + m.fingerprint()
                + ", now " + current + ") and on_change is ignore, so its byte ranges no longer fit the "
                + "file; restore the file, or set source.files.on_change: reprocess");
    }

    /**
     * The head of the first files listed (path order, up to {@value #SAMPLE_FILES} of the first one's format): of the
     * first, as many lines as DuckDB's readers sample to find the columns' types; of the others, enough for their
     * columns; decompressed into spools, so that reading the sample costs milliseconds whatever the size of the files.
     * Parquet files (and zstd ones, which Java cannot decompress here) are read as they are: only their schema is read.
     * Files not settled yet count: their columns are what matters.
     */
    @Override
    public Sample sample(Path scratch) throws IOException {
        NoMatch noMatch = new NoMatch(s.globs());
        List<String> picked = new ArrayList<>();
        String format = null;
        try (Stream<StoredObject> listed = s.storage().listRoot(s.startAfter().orElse(null), this::lists)) {
            for (java.util.Iterator<StoredObject> it = listed.iterator();
                    it.hasNext() && picked.size() < SAMPLE_FILES; ) {
                String key = it.next().key();
                if (leftOut(key)) continue;
                if (!s.globs().matches(Path.of(key))) {
                    noMatch.unmatched(key);
                    continue;
                }
                if (s.marker().isPresent() && key.endsWith(s.marker().get())) continue;
                noMatch.matched();
                Optional<String> f = s.format().or(() -> Formats.fromName(key));
                if (f.isPresent() && (format == null || format.equals(f.get()))) {
                    format = f.get();
                    picked.add(key);
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        Optional<String> nothing = noMatch.message(s.storage().root());
        if (picked.isEmpty()) {
            return Sample.none(nothing.orElse("no file under " + s.storage().root() + " has a format to read"));
        }
        List<Part> parts = new ArrayList<>();
        Files.createDirectories(scratch);
        for (String key : picked) {
            String name = spoolName("sample-" + parts.size() + "-", key);
            String lower = key.toLowerCase(java.util.Locale.ROOT);
            if (!Formats.lineFormat(format) || lower.endsWith(".zst") || lower.endsWith(".zstd")) {
                Path spool = scratch.resolve(name);
                // only the schema is read: a local file in place, an object downloaded
                if (s.storage().local()) {
                    parts.add(Part.whole(s.storage().file(key), key));
                } else {
                    s.storage().spool(key, null, 0, -1, null, spool);
                    parts.add(Part.whole(spool, key));
                }
                continue;
            }
            boolean gz = lower.endsWith(".gz");
            // the spool holds the decompressed text: named .gz, DuckDB would try to decompress it again
            Path spool = scratch.resolve(gz ? name.substring(0, name.length() - ".gz".length()) : name);
            // plain text: one ranged GET of no more than the sample takes (closed early, a whole-object GET drops
            // its connection with more bytes in flight)
            // the spool is created first: a gzip whose header cannot be read (an empty .gz file) leaves it empty
            try (java.io.OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(spool), 1 << 16);
                    InputStream raw = s.storage().read(key, null, 0, gz ? -1 : SAMPLE_BYTES);
                    InputStream in = gz ? new java.util.zip.GZIPInputStream(raw, 1 << 16) : raw) {
                // a tailed csv log's last record may be still being written
                copyHead(in, out, parts.isEmpty() ? SAMPLE_LINES : OTHER_FILE_LINES, s.tail() && format.equals("csv"));
            } catch (java.util.zip.ZipException | java.io.EOFException e) {
                // a broken or truncated gzip: what was read before is a fine sample; its split reports the file
            }
            parts.add(Part.whole(spool, key));
        }
        return Sample.of(new LocalFiles(parts, format, s.header(), s.parse())
                .withTextColumns(!s.detectTypes())
                .withDeclared(s.types())
                .withEncoding(s.encoding()));
    }

    /**
     * The first {@code maxLines} lines, or fewer complete lines within {@link #SAMPLE_BYTES}, or all of a short stream.
     * With {@code csvLog}, the lines are csv records (a newline inside a quoted field ends none), and a short stream
     * ends at its last record end when it stops inside a quoted field (a tailed log's record still being written).
     */
    private static void copyHead(InputStream in, java.io.OutputStream out, int maxLines, boolean csvLog)
            throws IOException {
        java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        io.sluice.spi.CsvRecords records = csvLog ? io.sluice.spi.CsvRecords.anyDelimiter() : null;
        long lines = 0;
        int lastNewline = -1;
        int n;
        try {
            while (lines < maxLines && head.size() < SAMPLE_BYTES && (n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (csvLog ? !records.endsRecord(buf[i]) : buf[i] != '\n') continue;
                    lastNewline = head.size() + i;
                    if (++lines == maxLines) {
                        n = i + 1;
                        break;
                    }
                }
                head.write(buf, 0, n);
            }
        } finally {
            // a long stream ends at its last complete line; a short one (or a broken gzip) is taken as it is
            boolean cut = (head.size() >= SAMPLE_BYTES || csvLog && records.inQuotedField()) && lastNewline >= 0;
            out.write(head.toByteArray(), 0, cut ? lastNewline + 1 : head.size());
        }
    }

    /** A tailed log by the file it was last found in (its identity is a hash of its first bytes). */
    @Override
    public String describe(Split split) {
        if (!s.tail()) return Source.super.describe(split);
        List<String> names = split.members().stream()
                .map(m -> Objects.requireNonNullElse(located(m.key()), "log " + m.key()))
                .distinct()
                .toList();
        return names.size() == 1 ? names.getFirst() : names.size() + " logs from " + names.getFirst();
    }

    /** The file a tailed log is in now, relative to the root; null when no listed file holds it. */
    private String located(String identity) {
        Path file = tails.locate(identity);
        return file == null ? null : key(file);
    }

    /**
     * {@code after: delete | move_to}, once the split is committed and recorded (the runner calls this only then).
     * Only the version the split read is removed: a file overwritten since (also while it was being copied) is new work,
     * and stays. A crash between the record and this leaves the inputs in place; they are not read again (the ledger
     * has them done).
     */
    @Override
    public void processed(Split split) throws IOException {
        if (s.after() == null) return;
        for (Member m : split.members()) {
            Optional<StoredObject> now = s.storage().stat(m.key());
            if (now.isEmpty() || !s.storage().fingerprint(now.get()).equals(OutputKey.fileVersion(m.fingerprint()))) {
                continue;
            }
            if (s.after() instanceof After.MoveTo(var target)) {
                // server-side where the stores can (one bucket or account; a hard link on one disk), of the version
                // read
                target.copyFrom(s.storage().store(), m.key(), now.get().version(), m.key());
            }
            try {
                // that version only: a copy can take minutes, and a writer may replace the input meanwhile
                s.storage().store().delete(m.key(), now.get().version());
            } catch (ObjectChangedException newer) {
                // overwritten since it was read: new work, which the next plan finds
            }
        }
    }

    /**
     * With {@code on_change: reprocess}, a split whose file changed since it was planned is not current: the change is
     * new work of its own, which replaces this split's output. A file removed since is no newer version: still current.
     */
    @Override
    public boolean plansNewVersions() {
        return !s.tail() && s.reprocessChanged();
    }

    @Override
    public boolean current(Split split) throws IOException {
        if (s.tail() || !s.reprocessChanged()) return true;
        List<Member> members = split.members();
        if (!s.storage().local() && members.size() > 1) return listedCurrent(members);
        for (Member m : members) {
            if (!current(m, s.storage().stat(m.key()))) return false;
        }
        return true;
    }

    /** Whether a member is in the version it was planned with, given what its key holds now (none: removed, current). */
    private boolean current(Member m, Optional<StoredObject> now) {
        return now.isEmpty() || s.storage().fingerprint(now.get()).equals(OutputKey.fileVersion(m.fingerprint()));
    }

    /**
     * A pack in a store reached over the network, checked by listing the range of keys its members span: one request
     * per page of keys where a HEAD per member would cost one each (B7: 1,000 HEADs a pack). A listing is as current as
     * a HEAD on S3, GCS and Azure. Members the listing has not reached after {@link #LISTED_PER_MEMBER} keys per member
     * (the range holds many other keys) are checked one by one.
     */
    private boolean listedCurrent(List<Member> members) throws IOException {
        Map<String, Member> unchecked = new HashMap<>();
        members.forEach(m -> unchecked.put(m.key(), m));
        List<String> keys =
                unchecked.keySet().stream().sorted(FilesSource::byUtf8).toList();
        String first = keys.getFirst();
        String last = keys.getLast();
        // start after the first key less its last character: the first key is listed, and little before it
        String before = first.substring(0, first.offsetByCodePoints(first.length(), -1));
        long budget = LISTED_PER_MEMBER * members.size();
        boolean complete = false; // every key up to the last member's was listed
        try (Stream<StoredObject> listed =
                s.storage().list(commonPrefix(first, last), before.isEmpty() ? null : before, this::lists)) {
            java.util.Iterator<StoredObject> it = listed.iterator();
            for (; budget > 0; budget--) {
                if (!it.hasNext()) {
                    complete = true;
                    break;
                }
                StoredObject o = it.next();
                if (byUtf8(o.key(), last) > 0) {
                    complete = true;
                    break;
                }
                Member m = unchecked.remove(o.key());
                if (m != null && !current(m, Optional.of(o))) return false;
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (complete) return true; // a member not listed was removed: no newer version of it can come
        for (Member m : unchecked.values()) {
            if (!current(m, s.storage().stat(m.key()))) return false;
        }
        return true;
    }

    /** Keys in the order stores list them: by their UTF-8 bytes. */
    private static int byUtf8(String a, String b) {
        return io.sluice.spi.Utf8.compare(a, b);
    }

    /** The longest common prefix of two keys, cut to whole code points. */
    private static String commonPrefix(String a, String b) {
        int n = 0;
        while (n < a.length() && n < b.length() && a.charAt(n) == b.charAt(n)) n++;
        if (n > 0 && n < a.length() && Character.isHighSurrogate(a.charAt(n - 1))) n--;
        return a.substring(0, n);
    }

    /**
     * Finds the log by its identity (it may have been renamed since it was planned) and spools the member's bytes.
     * The file found at planning is tried first; if a rotation put another log there, the folder is listed again.
     */
    private Opened openTail(Member m, EndMarks.Noted noted, Path spool) throws IOException {
        List<Skipped> unready = new ArrayList<>();
        for (int attempt = 0; attempt < 2; attempt++) {
            Path file = tails.locate(m.key());
            if (file != null && Files.exists(file)) {
                String key = key(file);
                boolean gz = key.toLowerCase(java.util.Locale.ROOT).endsWith(".gz");
                String format = s.format().or(() -> Formats.fromName(key)).orElseThrow();
                boolean csv = format.equals("csv");
                boolean header = csv && s.header() && m.start() > 0;
                // the head the range's types come from, of the log whose identity the spool checks (a rotation may
                // put another log under the name): its generation's first range, as for a file (spoolHead), the range
                // at byte 0 too; a range of an earlier Sluice, which noted no first range, takes the bytes before it
                long headEnd = m.start() == 0
                        ? m.end()
                        : Math.min(Objects.requireNonNullElse(noted.headEnd(), m.start()), m.start());
                TailPlanner.TypingHead head = typedByHead(format) && (m.start() > 0 || (csv && m.end() != Member.WHOLE))
                        ? new TailPlanner.TypingHead(
                                new LineCutter.HeadSpool(spool.resolveSibling("head-" + spool.getFileName()), csv),
                                headEnd)
                        : null;
                if (head != null) Files.deleteIfExists(head.spool().file());
                try {
                    if (TailPlanner.spool(
                            file,
                            gz,
                            m.key(),
                            m.start(),
                            m.end(),
                            header ? LineCutter.headerLine(file, gz) : null,
                            noted.mark(),
                            spool,
                            head)) {
                        Path top = head != null && Files.exists(head.spool().file())
                                ? head.spool().file()
                                : null;
                        return new Opened(
                                new Part(spool, key, s.storage().shift(key, null, m.start(), header), top), null);
                    }
                } catch (NoSuchFileException e) {
                    // rotated away between the look-up and the open: list again
                } catch (EndMarks.Gone e) {
                    // nothing holds these bytes any more: another attempt would find the same
                    Files.deleteIfExists(spool);
                    return new Opened(null, Skipped.because(key, e.getMessage()));
                }
                Files.deleteIfExists(spool);
            }
            // every file, as named now: a rotation caught before its live log is created again holds this log
            unready.clear();
            tails.identify(list(unready, null, LiveNamed.KEEP, new ArrayList<>()), new ArrayList<>());
        }
        Path last = tails.locate(m.key());
        String seen = last == null ? "" : "last seen as " + key(last) + "; ";
        List<String> settling = unready.stream()
                .filter(Skipped::waiting)
                .map(Skipped::key)
                .filter(k -> TailPlanner.mayBe(s.storage().file(k), k, m.key()))
                .toList();
        if (!settling.isEmpty()) {
            // a rotation is read once settled (a gzip being written is not whole yet): the runner tries again then
            throw new NotReadyYet(
                    m.key() + ": this log is now in " + String.join(", ", settling) + " (" + seen + "rotated since "
                            + "this range was planned), which is not settled yet (settle "
                            + s.settle().toMillis() + " ms): the split is tried again once it has settled and "
                            + "reads its bytes there",
                    settledAt(settling));
        }
        throw new NoSuchFileException(
                m.key(),
                null,
                "no file under " + s.storage().root() + " holds this log any more " + "(" + seen
                        + "removed before it was read); restore it, or `sluice reset` the pipeline");
    }

    /** When the last of these files settles if none changes again: {@code settle} after its last change. */
    private Instant settledAt(List<String> keys) {
        long last = 0;
        for (String k : keys) {
            try {
                last = Math.max(
                        last, Files.getLastModifiedTime(s.storage().file(k)).toMillis());
            } catch (IOException e) {
                // gone meanwhile: the next attempt, at once, finds where the log went
            }
        }
        return Instant.ofEpochMilli(last).plus(s.settle());
    }

    /** A local file's key: its path relative to the folder, with {@code /}. */
    private String key(Path file) {
        return Folders.key(s.storage().file(""), file);
    }

    /**
     * Whether a listing of the source lists this key (as a file to read or to wait for): a link in a local folder to
     * it is then a second name of it, left out of the listing.
     */
    private boolean lists(String key) {
        return !leftOut(key) && s.globs().matches(Path.of(key));
    }

    /** Keys never read: hidden ones, and the pipeline's own output. */
    private boolean leftOut(String key) {
        return hidden(key) || s.sinkPrefix().filter(key::startsWith).isPresent();
    }

    /** Keys with a part whose name starts with {@code .} or {@code _} are never read (writers' temp files, {@code _sluice/}). */
    private static boolean hidden(String key) {
        for (String part : key.split("/")) {
            if (part.startsWith(".") || part.startsWith("_")) return true;
        }
        return false;
    }
}
