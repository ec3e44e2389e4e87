package io.sluice.sinks.files;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.spi.sink.OutputLocks;
import io.sluice.spi.sink.PartialResults.Done;
import io.sluice.spi.sink.PartialResults.DoneSplits;
import io.sluice.spi.sink.PartialResults.Fold;
import io.sluice.spi.sink.PartialResults.Unmergeable;
import io.sluice.spi.storage.ObjectChangedException;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The partial results of a merging step (aggregate) under the sink's root, and their compaction: objects of the
 * sink's {@link ObjectStore}, a local folder or a bucket's prefix alike.
 *
 * <pre>
 * _sluice/partials/part-&lt;hash of split id&gt;.parquet        one split's partial, written by the split (replay replaces it)
 * _sluice/partials/compacted/c-&lt;seq&gt;-&lt;rand&gt;.parquet      the partials of many done splits, folded into one
 * _sluice/partials/compacted/c-&lt;seq&gt;-&lt;rand&gt;.json         its manifest: the data file and the segments
 * _sluice/partials/compacted/s-&lt;seq&gt;-&lt;rand&gt;.json         a segment: splits folded, each with its completion
 * _sluice/partials/superseded/part-&lt;older&gt;~part-&lt;newer&gt;    a new version of an input supersedes an earlier one
 * </pre>
 *
 * <p>Why the merged result stays exact:
 * <ul>
 * <li>A merge reads the newest manifest only, and uses its compacted file only when every split it lists is done in
 * the ledger <em>with the same completion</em> (usable). It then reads the partial file of every other done split,
 * and never the partial file of a split the manifest lists: each done split counts once, from one place.</li>
 * <li>Compaction writes the compacted file and a segment, then the manifest (one object written whole, under a name
 * no other compaction uses: the commit), and only then deletes the partial files it folded and the older compacted
 * files. A crash before the commit leaves objects no manifest names (ignored, removed later); after it, partial
 * files the manifest lists (ignored, removed later).</li>
 * <li>A split is folded at most once: a new compaction folds the usable compacted file and the partials of done
 * splits it does not list. A replayed split that the manifest lists (a stale worker writing again) is ignored.</li>
 * <li>A new version of an input (a file delivered again) keeps the earlier versions' partials, and records before its
 * own partial is written that it supersedes them. A merge leaves out a done split's partial when a version that
 * supersedes it (directly, or through versions that superseded each other) is done and committed (its partial is
 * listed, or its commit of no rows is complete): so an input counts in the newest version that is done, once, at
 * every moment; a new version not done yet (or never: failed for good) leaves the earlier one counted. Only then
 * is the earlier partial removed (the version listed). An earlier version folded in the compacted file the merge
 * reads (compacted before the source planned new versions) cannot be left out: the merge refuses.</li>
 * <li>Done is final in a ledger, until a reset forgets every split: the splits run again then complete anew (with
 * new partial files), so the manifest stops being usable as a whole, and its folded data is then not needed. A
 * rebuild of the splits an earlier pipeline version made sends back some done splits only; the runner compacts nothing
 * while such splits exist, so a manifest holds splits of one version, which a rebuild sends back all together.</li>
 * </ul>
 *
 * <p>Objects of a local folder are read in place; those of a bucket are downloaded to the merge's scratch folder,
 * each at the version the view listed (so a file replaced meanwhile is noticed, and the view taken again).
 */
final class PartialStore {
    static final String DIR = "_sluice/partials/";
    private static final String COMPACTED = DIR + "compacted/";
    /** {@code <older partial>~<newer partial>}: a new version of an input committed over an earlier one. */
    private static final String SUPERSEDED = DIR + "superseded/";

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The ledger lock a compaction holds. */
    static final String LOCK = "files-compaction";
    /** The folder under a merge's scratch folder where objects of a bucket are downloaded. */
    private static final String DOWNLOADS = "partials";

    private static final int VIEW_ATTEMPTS = 10;

    private final ObjectStore store;
    /** The store's root when its objects are local files, read in place; null when they are downloaded. */
    private final Path local;
    /** The last manifest read or written: manifests never change once committed. */
    private volatile CompactionManifest cached;
    /** The segments of the last manifest, by name: segments never change once written. */
    private final Map<String, Segment> segments = new ConcurrentHashMap<>();
    /** For tests: called after each step of a compaction or a merge's view with its name; may throw to stop there. */
    volatile Consumer<String> afterStep = step -> {};

    /** @param local the store's root folder when {@code store} is a local folder, else null */
    PartialStore(ObjectStore store, Path local) {
        this.store = store;
        this.local = local;
    }

    /** One folded split: its completion when it was folded, and the name of the partial file it had. */
    record Entry(String completion, String partial) {}

    /**
     * Some of the splits a manifest lists, in a file of its own. A compaction writes a segment of the splits it
     * folds, and merges the newest segments while the last is at least as large as the one before it, so a
     * manifest names a few segments (their sizes halve from the oldest on) and each split is rewritten only a few
     * times: a compaction costs the splits it folds, not every split folded so far.
     */
    record Segment(String name, Map<String, Entry> splits) {}

    /** A committed compaction: its number, its data file, its segments, and every split they list. */
    record CompactionManifest(String name, long seq, String data, List<String> segments, Map<String, Entry> splits) {
        Set<String> partialNames() {
            Set<String> names = new HashSet<>();
            splits.values().forEach(e -> names.add(e.partial()));
            return names;
        }
    }

    /** A done split's own partial file as listed (a file written again since has another version: left alone). */
    record Fresh(Done split, StoredObject object) {
        String name() {
            return object.key().substring(DIR.length());
        }
    }

    /**
     * What a merge reads: the newest manifest's compacted file when it is usable ({@code base}, its data object
     * {@code baseData}), and the partial files of the done splits it does not list; {@code listed} is every partial
     * file listed, by name, and {@code done} the listing of done splits the view was made from.
     */
    record View(
            CompactionManifest newest,
            CompactionManifest base,
            StoredObject baseData,
            List<Fresh> fresh,
            Map<String, StoredObject> listed,
            Collection<Done> done,
            List<StoredObject> superseded) {
        /** The objects a merge reads. */
        List<StoredObject> objects() {
            List<StoredObject> objects = new ArrayList<>();
            if (baseData != null) objects.add(baseData);
            fresh.forEach(f -> objects.add(f.object()));
            return objects;
        }
    }

    /** What a merge reads now, as local files, and the view they were taken from. */
    record Read(List<Path> files, View view) {}

    /**
     * The files a merge reads, local; those of a bucket downloaded under {@code scratch}. A file removed or replaced
     * between the view and its download (a compaction by another process that committed meanwhile) makes the view
     * be taken again.
     */
    Read read(DoneSplits done, Path scratch) throws IOException {
        for (int attempt = 1; ; attempt++) {
            View v = view(done);
            try {
                return new Read(fetch(v.objects(), scratch, true), v);
            } catch (NoSuchFileException | ObjectChangedException e) {
                if (attempt >= VIEW_ATTEMPTS) throw e;
            }
        }
    }

    /**
     * The newest manifest, the done splits, the partial files, and the newest manifest again. The done splits are
     * listed again when the manifest names one the earlier listing did not have as done (a compaction by another
     * process that listed later); the files are listed again when a compaction committed meanwhile (it may have
     * deleted partial files it folded).
     */
    View view(DoneSplits splits) throws IOException {
        Collection<Done> done = splits.list(false);
        String relistedFor = null;
        for (int attempt = 0; attempt < VIEW_ATTEMPTS; attempt++) {
            CompactionManifest newest = newest();
            afterStep.accept("newest manifest read");
            Map<String, String> completions = completions(done);
            if (newest != null && !usable(newest, completions) && !newest.name().equals(relistedFor)) {
                done = splits.list(true);
                completions = completions(done);
                relistedFor = newest.name();
            }
            Map<String, StoredObject> listed = listed();
            Map<String, StoredObject> compacted = compacted();
            if (!Objects.equals(name(newest), newestName(compacted))) continue;
            CompactionManifest base = usable(newest, completions) ? newest : null;
            StoredObject baseData = null;
            if (base != null) {
                // listed with its manifest: it was written before it, and is deleted only after a newer one
                baseData = compacted.get(base.data());
                if (baseData == null) {
                    throw new NoSuchFileException(
                            store.describe(COMPACTED + base.data()),
                            null,
                            "the partials of " + base.splits().size()
                                    + " split(s) folded into this file are missing; run `sluice reset --yes` "
                                    + "and run again to rebuild every partial from the input");
                }
            }
            Set<String> superseded = superseded(done, listed, base);
            List<Fresh> fresh = new ArrayList<>();
            for (Done d : done) {
                if (base != null && base.splits().containsKey(d.splitId())) continue;
                String name = partialName(d.splitId());
                StoredObject partial = listed.get(name);
                if (partial != null && !superseded.contains(name)) fresh.add(new Fresh(d, partial));
            }
            List<StoredObject> gone = superseded.stream().map(listed::get).toList();
            return new View(newest, base, baseData, fresh, listed, done, gone);
        }
        throw new IOException(
                "the partials in " + store.describe(DIR) + " kept being compacted while they were listed; try again");
    }

    /**
     * A new version of an input is done while the earlier version's partial is folded in the compacted file the merge
     * reads (compacted while the source planned no new versions: {@code on_change: ignore}, then switched to
     * {@code reprocess}). The file cannot give up that version's rows, so totals would count the input twice: the
     * merge refuses, and the totals committed before stay.
     */
    static final class FoldedVersionException extends Unmergeable {
        FoldedVersionException(String older, String newer, String compacted) {
            super("split " + newer + " is a new version of the input of split " + older
                    + ", whose partial is folded into the compacted partials " + compacted
                    + " (compacted while the source planned no new versions of a file, as with on_change: ignore); "
                    + "a compacted file cannot give up one split's rows, so the totals would count that input twice "
                    + "and are not rebuilt (those committed before stay). Run `sluice reset --yes` and run again: "
                    + "every input is read again in its current version, and with on_change: reprocess the partials "
                    + "are not compacted");
        }
    }

    /** Records that the partial {@code newer} (a name without extension) supersedes {@code older}. */
    void supersede(String older, String newer) throws IOException {
        try {
            store.write(SUPERSEDED + older + "~" + newer, new byte[0], WriteCondition.ifAbsent());
        } catch (ObjectChangedException e) {
            // recorded by an earlier attempt of the split
        }
    }

    /**
     * The partial files listed (by name) that a version done and committed supersedes: reached from the partial
     * through the records, so a version in between that is not done (killed, failed for good) passes it on. Such a
     * partial never counts again while that version is done (a replay of an earlier version commits nothing: its input
     * is no longer current), whether its own split is done or not.
     *
     * @throws FoldedVersionException when such a partial is folded in {@code base}, which cannot give up its rows
     */
    private Set<String> superseded(Collection<Done> done, Map<String, StoredObject> listed, CompactionManifest base)
            throws IOException {
        Map<String, List<String>> newer = new HashMap<>();
        for (StoredObject o : list(SUPERSEDED)) {
            String[] pair = o.key().substring(SUPERSEDED.length()).split("~");
            if (pair.length == 2)
                newer.computeIfAbsent(pair[0], k -> new ArrayList<>()).add(pair[1]);
        }
        if (newer.isEmpty()) return Set.of();
        Map<String, String> doneNames = new HashMap<>(); // partial name (no extension) -> split id
        done.forEach(d -> doneNames.put(FilesSink.name(d.splitId()), d.splitId()));
        Map<String, String> folded = new HashMap<>(); // partial file -> split id, of the splits base reads
        if (base != null) base.splits().forEach((id, e) -> folded.put(e.partial(), id));
        Map<String, Boolean> counts = new HashMap<>();
        Set<String> superseded = new HashSet<>();
        for (String older : newer.keySet()) {
            String file = older + ".parquet";
            // removed already: nothing to leave out
            if (!listed.containsKey(file) && !folded.containsKey(file)) continue;
            Set<String> seen = new HashSet<>(Set.of(older));
            List<String> next = new ArrayList<>(newer.get(older));
            while (!next.isEmpty()) {
                String v = next.removeLast();
                if (!seen.add(v)) continue;
                if (doneNames.containsKey(v) && counts(v, listed, counts)) {
                    if (folded.containsKey(file)) {
                        throw new FoldedVersionException(
                                folded.get(file), doneNames.get(v), store.describe(COMPACTED + base.data()));
                    }
                    superseded.add(file);
                    break;
                }
                next.addAll(newer.getOrDefault(v, List.of()));
            }
        }
        return superseded;
    }

    /**
     * A done version counts when its commit finished: its partial is listed, or its manifest is complete (a version of
     * no rows writes no partial). A done split whose commit never finished (killed, then planned again after a newer
     * version came: it commits nothing) does not count, and the version before it still does.
     */
    private boolean counts(String name, Map<String, StoredObject> listed, Map<String, Boolean> known)
            throws IOException {
        Boolean k = known.get(name);
        if (k == null) {
            k = listed.containsKey(name + ".parquet")
                    || Manifest.read(store, FilesSink.manifest(name))
                            .filter(m -> !m.committing())
                            .isPresent();
            known.put(name, k);
        }
        return k;
    }

    /** Removes the superseded partials a view left out: each the version listed (see {@link #deleteIfUnchanged}). */
    void removeSuperseded(View v) throws IOException {
        for (StoredObject o : v.superseded()) deleteIfUnchanged(o);
    }

    static String partialName(String splitId) {
        return "part-" + FilesSink.hash(splitId) + ".parquet";
    }

    private static Map<String, String> completions(Collection<Done> done) {
        Map<String, String> completions = new HashMap<>();
        done.forEach(d -> completions.put(d.splitId(), d.completion()));
        return completions;
    }

    /** Every split the manifest folded is done now, and done in the same completion as when it was folded. */
    private static boolean usable(CompactionManifest m, Map<String, String> completions) {
        if (m == null) return false;
        for (Map.Entry<String, Entry> e : m.splits().entrySet()) {
            if (!e.getValue().completion().equals(completions.get(e.getKey()))) return false;
        }
        return true;
    }

    /**
     * Folds the usable compacted file and the partials of the done splits it does not list into a new compacted
     * file, when there are at least {@code atLeast} such partials. Only one compaction runs at a time (a lock in the
     * ledger, so across machines too); another one finds the lock taken and leaves it.
     *
     * @return how many splits' partials it folded
     */
    int compact(DoneSplits done, Fold fold, int atLeast, OutputLocks locks, Path scratch) throws Exception {
        if (!due(view(done), atLeast)) return 0;
        var held = locks.tryLock(LOCK);
        if (held.isEmpty()) return 0;
        try (OutputLocks.Held lock = held.get()) {
            View v = view(done); // again, under the lock: another process may have compacted meanwhile
            return due(v, atLeast) ? fold(v, fold, lock, scratch) : 0;
        }
    }

    /**
     * Enough partials wait to be folded; or the newest manifest is not usable (its splits were forgotten by a reset)
     * and any partial waits: then it is replaced at once.
     */
    private static boolean due(View v, int atLeast) {
        int needed = v.newest() != null && v.base() == null ? 1 : Math.max(1, atLeast);
        return v.fresh().size() >= needed;
    }

    private int fold(View v, Fold fold, OutputLocks.Held lock, Path scratch) throws Exception {
        long seq = nextSeq();
        String name = String.format(
                Locale.ROOT, "c-%012d-%08x", seq, ThreadLocalRandom.current().nextInt());
        // the inputs are not kept after the fold: a merge reads the folded file instead
        List<Path> inputs = fetch(v.objects(), scratch, false);
        Path folded = Files.createDirectories(scratch.resolve(DOWNLOADS)).resolve(name + ".folding");
        try {
            fold.apply(inputs, folded);
            String key = COMPACTED + name + ".parquet";
            if (local != null) {
                store.writeMoving(key, folded, WriteCondition.ifAbsent()); // renamed into place on the same disk
            } else {
                StoredObject data = store.write(key, folded, WriteCondition.ifAbsent());
                // a merge that follows reads it from here, not from the store again
                Files.move(folded, download(scratch, data), StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(folded);
            if (local == null) for (Path p : inputs) Files.deleteIfExists(p);
        }
        afterStep.accept("data written");

        Map<String, Entry> foldedSplits = new LinkedHashMap<>();
        for (Fresh f : v.fresh())
            foldedSplits.put(f.split().splitId(), new Entry(f.split().completion(), f.name()));
        // the new segment takes in the older segments no larger than it, so sizes halve from the oldest on
        List<Segment> chain = new ArrayList<>();
        if (v.base() != null) for (String seg : v.base().segments()) chain.add(segment(seg));
        Map<String, Entry> newest = new LinkedHashMap<>(foldedSplits);
        while (!chain.isEmpty() && newest.size() >= chain.getLast().splits().size()) {
            Map<String, Entry> both = new LinkedHashMap<>(chain.removeLast().splits());
            both.putAll(newest);
            newest = both;
        }
        chain.add(writeSegment(seq, newest));
        afterStep.accept("segment written");
        Map<String, Entry> splits =
                new LinkedHashMap<>(v.base() == null ? Map.of() : v.base().splits());
        splits.putAll(foldedSplits);
        CompactionManifest m = new CompactionManifest(
                name + ".json",
                seq,
                name + ".parquet",
                chain.stream().map(Segment::name).toList(),
                splits);
        lock.check(); // a compaction whose lease ran out must not commit: another may be folding the same partials
        write(m);
        cached = m;
        segments.keySet().retainAll(m.segments());
        afterStep.accept("manifest committed");

        // what follows only removes objects that no merge reads any more: the partials just folded, and those of
        // splits folded before (left by a crash, or written again by a stale worker); each looked at once
        Set<String> foldedNames = m.partialNames();
        int n = 0;
        for (Map.Entry<String, StoredObject> listed : v.listed().entrySet()) {
            if (!foldedNames.contains(listed.getKey())) continue;
            deleteIfUnchanged(listed.getValue());
            if (++n == 1) afterStep.accept("first partial deleted");
        }
        afterStep.accept("partials deleted");
        for (String f : compactedNames()) {
            boolean ours = f.startsWith("c-") || f.startsWith("s-");
            if (ours
                    && !f.equals(m.name())
                    && !f.equals(m.data())
                    && !m.segments().contains(f)) store.delete(COMPACTED + f);
        }
        afterStep.accept("old files deleted");
        return v.fresh().size();
    }

    /**
     * Removes a partial file unless it was written again since it was listed (a replay after a reset): keep that. One
     * delete of the version listed, not a look then a delete: a replay landing between the two would lose its rows.
     */
    private void deleteIfUnchanged(StoredObject listed) throws IOException {
        try {
            store.delete(listed.key(), listed.version());
        } catch (ObjectChangedException writtenAgain) {
            // the replay's partial: a merge reads it
        }
    }

    /**
     * The objects as local files: in place for a local store, else downloaded under {@code scratch} at the version
     * listed. A download is kept under its key and version, so a compaction's output is not downloaded again by the
     * merge that follows; with {@code only}, downloads of other objects are removed, so the scratch folder holds what
     * one merge reads.
     *
     * @throws NoSuchFileException    when an object is gone
     * @throws ObjectChangedException when an object is no longer the version listed
     */
    private List<Path> fetch(List<StoredObject> objects, Path scratch, boolean only) throws IOException {
        List<Path> files = new ArrayList<>();
        if (local != null) {
            objects.forEach(o -> files.add(local.resolve(o.key())));
            return files;
        }
        Files.createDirectories(scratch.resolve(DOWNLOADS));
        for (StoredObject o : objects) {
            Path file = download(scratch, o);
            if (!Files.exists(file)) {
                Path part = file.resolveSibling(file.getFileName() + ".part");
                try (InputStream in = store.read(o.key(), o.version(), 0, -1)) {
                    Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
                }
                Files.move(part, file, StandardCopyOption.ATOMIC_MOVE);
            }
            files.add(file);
        }
        if (only) {
            try (Stream<Path> kept = Files.list(scratch.resolve(DOWNLOADS))) {
                for (Path p : kept.toList()) if (!files.contains(p)) Files.deleteIfExists(p);
            }
        }
        return files;
    }

    /** Where an object's version is downloaded: a name of its key and version. */
    private static Path download(Path scratch, StoredObject o) {
        return scratch.resolve(DOWNLOADS).resolve(FilesSink.hash(o.key() + '\n' + o.version()) + ".parquet");
    }

    /**
     * Names the set of partials a merge of these done splits reads, independent of how they are compacted: a merge
     * repeated after a crash gets the same name, a replayed split (new completion) another.
     */
    static String epoch(Collection<Done> done) {
        List<String> lines = new ArrayList<>(done.size());
        done.forEach(d -> lines.add(d.splitId() + '\t' + d.completion()));
        lines.sort(null);
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String l : lines) md.update((l + '\n').getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The partial files (not the compacted ones) by name, as listed. */
    private Map<String, StoredObject> listed() throws IOException {
        Map<String, StoredObject> listed = new HashMap<>();
        for (StoredObject o : list(DIR + "part-")) {
            String name = o.key().substring(DIR.length());
            if (!name.contains("/") && name.endsWith(".parquet")) listed.put(name, o);
        }
        return listed;
    }

    /** The objects in the compacted folder, by name, as listed. */
    private Map<String, StoredObject> compacted() throws IOException {
        Map<String, StoredObject> objects = new HashMap<>();
        for (StoredObject o : list(COMPACTED)) {
            String name = o.key().substring(COMPACTED.length());
            if (!name.contains("/")) objects.put(name, o);
        }
        return objects;
    }

    private Collection<String> compactedNames() throws IOException {
        return compacted().keySet();
    }

    private List<StoredObject> list(String prefix) throws IOException {
        try (Stream<StoredObject> objects = store.list(prefix, null)) {
            return objects.toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** The committed manifest with the highest number, or null. */
    private CompactionManifest newest() throws IOException {
        String newest = newestName(compacted());
        if (newest == null) return null;
        CompactionManifest m = cached;
        if (m != null && m.name().equals(newest)) return m;
        try {
            m = readManifest(newest);
        } catch (NoSuchFileException e) {
            // replaced by a newer one meanwhile (which removed this one's files), unless it is still there
            if (store.stat(COMPACTED + newest).isPresent()) {
                throw new NoSuchFileException(
                        e.getFile(),
                        null,
                        "a segment of the compacted partials' manifest " + newest
                                + " is missing; run `sluice reset --yes` and run again to rebuild every partial from the input");
            }
            return newest();
        }
        cached = m;
        segments.keySet().retainAll(m.segments());
        return m;
    }

    /** The name of the committed manifest with the highest number among these objects, or null. */
    private static String newestName(Map<String, StoredObject> compacted) {
        String newest = null;
        for (String f : compacted.keySet()) {
            if (f.startsWith("c-") && f.endsWith(".json") && (newest == null || f.compareTo(newest) > 0)) newest = f;
        }
        return newest;
    }

    private long nextSeq() throws IOException {
        long max = 0;
        for (String f : compactedNames()) {
            if ((f.startsWith("c-") || f.startsWith("s-")) && f.length() > 14) {
                try {
                    max = Math.max(max, Long.parseLong(f.substring(2, 14)));
                } catch (NumberFormatException ignored) {
                    // not ours
                }
            }
        }
        return max + 1;
    }

    private static String name(CompactionManifest m) {
        return m == null ? null : m.name();
    }

    private void write(CompactionManifest m) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("seq", m.seq());
        root.put("data", m.data());
        ArrayNode names = root.putArray("segments");
        m.segments().forEach(names::add);
        // a name no other compaction uses: written once, whole
        store.write(COMPACTED + m.name(), JSON.writeValueAsBytes(root), WriteCondition.ifAbsent());
    }

    private Segment writeSegment(long seq, Map<String, Entry> splits) throws IOException {
        Segment segment = new Segment(
                String.format(
                        Locale.ROOT,
                        "s-%012d-%08x.json",
                        seq,
                        ThreadLocalRandom.current().nextInt()),
                Map.copyOf(splits));
        ArrayNode list = JSON.createArrayNode();
        splits.forEach((id, e) -> list.addArray().add(id).add(e.completion()).add(e.partial()));
        store.write(COMPACTED + segment.name(), JSON.writeValueAsBytes(list), WriteCondition.ifAbsent());
        segments.put(segment.name(), segment);
        return segment;
    }

    private Segment segment(String name) throws IOException {
        Segment segment = segments.get(name);
        if (segment == null) {
            Map<String, Entry> listed = new LinkedHashMap<>();
            for (JsonNode s : readJson(name)) {
                listed.put(
                        s.get(0).asText(), new Entry(s.get(1).asText(), s.get(2).asText()));
            }
            segment = new Segment(name, listed);
            segments.put(name, segment);
        }
        return segment;
    }

    private JsonNode readJson(String name) throws IOException {
        try (InputStream in = store.read(COMPACTED + name, null, 0, -1)) {
            return JSON.readTree(in);
        }
    }

    /** A manifest and its segments (those not read before). */
    private CompactionManifest readManifest(String name) throws IOException {
        JsonNode root = readJson(name);
        List<String> names = new ArrayList<>();
        root.get("segments").forEach(n -> names.add(n.asText()));
        Map<String, Entry> splits = new LinkedHashMap<>();
        for (String segment : names) splits.putAll(segment(segment).splits());
        return new CompactionManifest(
                name, root.get("seq").asLong(), root.get("data").asText(), List.copyOf(names), splits);
    }
}
