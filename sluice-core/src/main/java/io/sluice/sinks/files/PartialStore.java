package io.sluice.sinks.files;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.spi.sink.OutputLocks;
import io.sluice.spi.sink.PartialResults.Done;
import io.sluice.spi.sink.PartialResults.DoneSplits;
import io.sluice.spi.sink.PartialResults.Fold;
import java.io.IOException;
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
 * The partial results of a merging step (aggregate) in the sink's folder, and their compaction.
 *
 * <pre>
 * _sluice/partials/part-&lt;hash of split id&gt;.parquet        one split's partial, written by the split (replay replaces it)
 * _sluice/partials/compacted/c-&lt;seq&gt;-&lt;rand&gt;.parquet      the partials of many done splits, folded into one
 * _sluice/partials/compacted/c-&lt;seq&gt;-&lt;rand&gt;.json         its manifest: the data file and the segments
 * _sluice/partials/compacted/s-&lt;seq&gt;-&lt;rand&gt;.json         a segment: splits folded, each with its completion
 * </pre>
 *
 * <p>Why the merged result stays exact:
 * <ul>
 * <li>A merge reads the newest manifest only, and uses its compacted file only when every split it lists is done in
 * the ledger <em>with the same completion</em> (usable). It then reads the partial file of every other done split,
 * and never the partial file of a split the manifest lists: each done split counts once, from one place.</li>
 * <li>Compaction writes the compacted file and a segment, then the manifest (an atomic rename: the commit), and only
 * then deletes the partial files it folded and the older compacted files. A crash before the commit leaves files no
 * manifest names (ignored, removed later); after it, partial files the manifest lists (ignored, removed later).</li>
 * <li>A split is folded at most once: a new compaction folds the usable compacted file and the partials of done
 * splits it does not list. A replayed split that the manifest lists (a stale worker writing again) is ignored.</li>
 * <li>Done is final in a ledger, until a reset forgets every split: the splits run again then complete anew (with
 * new partial files), so the manifest stops being usable as a whole, and its folded data is then not needed. A
 * rebuild of the splits an earlier pipeline version made sends back some done splits only; the runner compacts nothing
 * while such splits exist, so a manifest holds splits of one version, which a rebuild sends back all together.</li>
 * </ul>
 */
final class PartialStore {
    static final String DIR = "_sluice/partials";
    private static final String COMPACTED = "compacted";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The ledger lock a compaction holds. */
    static final String LOCK = "files-compaction";

    private static final int VIEW_ATTEMPTS = 10;

    private final Path dir;
    private final Path compacted;
    /** The last manifest read or written: manifests never change once committed. */
    private volatile Manifest cached;
    /** The segments of the last manifest, by name: segments never change once written. */
    private final Map<String, Segment> segments = new ConcurrentHashMap<>();
    /** For tests: called after each step of a compaction or a merge's view with its name; may throw to stop there. */
    volatile Consumer<String> afterStep = step -> {};

    PartialStore(Path root) {
        this.dir = root.resolve(DIR);
        this.compacted = dir.resolve(COMPACTED);
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
    record Manifest(String name, long seq, String data, List<String> segments, Map<String, Entry> splits) {
        Set<String> partialNames() {
            Set<String> names = new HashSet<>();
            splits.values().forEach(e -> names.add(e.partial()));
            return names;
        }
    }

    /** A done split's own partial file, and when it was written (a file written again since is left alone). */
    record Fresh(Done split, String name, java.nio.file.attribute.FileTime modified) {}

    /**
     * What a merge reads: the newest manifest's compacted file when it is usable ({@code base}), and the partial
     * files of the done splits it does not list; {@code done} is the listing of done splits it was made from.
     */
    record View(Manifest newest, Manifest base, List<Fresh> fresh, Set<String> listed, Collection<Done> done) {
        /** The files a merge reads. */
        List<Path> files(Path compacted, Path dir) {
            List<Path> files = new ArrayList<>();
            if (base != null) files.add(compacted.resolve(base.data()));
            fresh.forEach(f -> files.add(dir.resolve(f.name())));
            return files;
        }
    }

    /** What a merge reads now, and the query that reads it. */
    record Read(List<Path> files, View view) {}

    Read read(DoneSplits done) throws IOException {
        View v = view(done);
        return new Read(v.files(compacted, dir), v);
    }

    /**
     * The newest manifest, the done splits, the partial files, and the newest manifest again. The done splits are
     * listed again when the manifest names one the earlier listing did not have as done (a compaction by another
     * process that listed later); the files are listed again when a compaction committed meanwhile (it may have
     * deleted partial files it folded).
     */
    View view(DoneSplits splits) throws IOException {
        Collection<Done> done = splits.list(false);
        if (!Files.isDirectory(dir)) return new View(null, null, List.of(), Set.of(), done);
        String relistedFor = null;
        for (int attempt = 0; attempt < VIEW_ATTEMPTS; attempt++) {
            Manifest newest = newest();
            afterStep.accept("newest manifest read");
            Map<String, String> completions = completions(done);
            if (newest != null && !usable(newest, completions) && !newest.name().equals(relistedFor)) {
                done = splits.list(true);
                completions = completions(done);
                relistedFor = newest.name();
            }
            Set<String> listed = listed();
            Manifest again = newest();
            if (!Objects.equals(name(newest), name(again))) continue;
            Manifest base = usable(newest, completions) ? newest : null;
            if (base != null && !Files.exists(compacted.resolve(base.data()))) {
                throw new NoSuchFileException(
                        compacted.resolve(base.data()).toString(),
                        null,
                        "the partials of "
                                + base.splits().size()
                                + " split(s) folded into this file are missing; run `sluice reset --yes` "
                                + "and run again to rebuild every partial from the input");
            }
            List<Fresh> fresh = new ArrayList<>();
            boolean gone = false;
            for (Done d : done) {
                if (base != null && base.splits().containsKey(d.splitId())) continue;
                String name = "part-" + FilesSink.hash(d.splitId()) + ".parquet";
                if (!listed.contains(name)) continue;
                try {
                    fresh.add(new Fresh(d, name, Files.getLastModifiedTime(dir.resolve(name))));
                } catch (NoSuchFileException e) {
                    gone = true; // deleted since it was listed, by a compaction that committed: look again
                    break;
                }
            }
            if (!gone) return new View(newest, base, fresh, listed, done);
        }
        throw new IOException("the partials in " + dir + " kept being compacted while they were listed; try again");
    }

    private static Map<String, String> completions(Collection<Done> done) {
        Map<String, String> completions = new HashMap<>();
        done.forEach(d -> completions.put(d.splitId(), d.completion()));
        return completions;
    }

    /** Every split the manifest folded is done now, and done in the same completion as when it was folded. */
    private static boolean usable(Manifest m, Map<String, String> completions) {
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
    int compact(DoneSplits done, Fold fold, int atLeast, OutputLocks locks) throws Exception {
        if (!Files.isDirectory(dir) || !due(view(done), atLeast)) return 0;
        Files.createDirectories(compacted);
        var held = locks.tryLock(LOCK);
        if (held.isEmpty()) return 0;
        try (OutputLocks.Held lock = held.get()) {
            View v = view(done); // again, under the lock: another process may have compacted meanwhile
            return due(v, atLeast) ? fold(v, fold, lock) : 0;
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

    private int fold(View v, Fold fold, OutputLocks.Held lock) throws Exception {
        long seq = nextSeq();
        String name = String.format(
                Locale.ROOT, "c-%012d-%08x", seq, ThreadLocalRandom.current().nextInt());
        List<Path> inputs = new ArrayList<>();
        if (v.base() != null) inputs.add(compacted.resolve(v.base().data()));
        v.fresh().forEach(f -> inputs.add(dir.resolve(f.name())));
        Path data = compacted.resolve(name + ".parquet");
        Path tmp = compacted.resolve(name + ".parquet.tmp");
        fold.apply(inputs, tmp);
        Files.move(tmp, data, StandardCopyOption.ATOMIC_MOVE);
        afterStep.accept("data written");

        Map<String, Entry> folded = new LinkedHashMap<>();
        for (Fresh f : v.fresh())
            folded.put(f.split().splitId(), new Entry(f.split().completion(), f.name()));
        // the new segment takes in the older segments no larger than it, so sizes halve from the oldest on
        List<Segment> chain = new ArrayList<>();
        if (v.base() != null) for (String seg : v.base().segments()) chain.add(segment(seg));
        Map<String, Entry> newest = new LinkedHashMap<>(folded);
        while (!chain.isEmpty() && newest.size() >= chain.getLast().splits().size()) {
            Map<String, Entry> both = new LinkedHashMap<>(chain.removeLast().splits());
            both.putAll(newest);
            newest = both;
        }
        chain.add(writeSegment(seq, newest));
        afterStep.accept("segment written");
        Map<String, Entry> splits =
                new LinkedHashMap<>(v.base() == null ? Map.of() : v.base().splits());
        splits.putAll(folded);
        Manifest m = new Manifest(
                name + ".json",
                seq,
                data.getFileName().toString(),
                chain.stream().map(Segment::name).toList(),
                splits);
        lock.check(); // a compaction whose lease ran out must not commit: another may be folding the same partials
        write(m);
        cached = m;
        segments.keySet().retainAll(m.segments());
        afterStep.accept("manifest committed");

        // what follows only removes files that no merge reads any more
        int n = 0;
        for (Fresh f : v.fresh()) {
            Path p = dir.resolve(f.name());
            try {
                // written again since it was read (a replay after a reset): not the partial folded, keep it
                if (Files.getLastModifiedTime(p).equals(f.modified())) Files.delete(p);
            } catch (NoSuchFileException ignored) {
                // gone already
            }
            if (++n == 1) afterStep.accept("first partial deleted");
        }
        afterStep.accept("partials deleted");
        Set<String> foldedNames = m.partialNames();
        for (String listed : v.listed()) {
            if (foldedNames.contains(listed))
                Files.deleteIfExists(dir.resolve(listed)); // left by a crash, or a stale worker
        }
        try (Stream<Path> files = Files.list(compacted)) {
            for (Path p : files.toList()) {
                String f = p.getFileName().toString();
                boolean ours = f.startsWith("c-") || f.startsWith("s-");
                if (ours
                        && !f.equals(m.name())
                        && !f.equals(m.data())
                        && !m.segments().contains(f)) Files.deleteIfExists(p);
            }
        }
        afterStep.accept("old files deleted");
        return v.fresh().size();
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

    /** Names of the partial files (not folders) in the partials folder. */
    private Set<String> listed() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            Set<String> names = new HashSet<>();
            files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("part-") && n.endsWith(".parquet"))
                    .forEach(names::add);
            return names;
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** The committed manifest with the highest number, or null. */
    private Manifest newest() throws IOException {
        if (!Files.isDirectory(compacted)) return null;
        String newest = null;
        try (Stream<Path> files = Files.list(compacted)) {
            for (Path p : files.toList()) {
                String f = p.getFileName().toString();
                if (f.startsWith("c-") && f.endsWith(".json") && (newest == null || f.compareTo(newest) > 0))
                    newest = f;
            }
        }
        if (newest == null) return null;
        Manifest m = cached;
        if (m != null && m.name().equals(newest)) return m;
        Path file = compacted.resolve(newest);
        try {
            m = read(file);
        } catch (NoSuchFileException e) {
            // replaced by a newer one meanwhile (which removed this one's files), unless it is still there
            if (Files.exists(file)) {
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

    private long nextSeq() throws IOException {
        long max = 0;
        try (Stream<Path> files = Files.list(compacted)) {
            for (Path p : files.toList()) {
                String f = p.getFileName().toString();
                if ((f.startsWith("c-") || f.startsWith("s-")) && f.length() > 14) {
                    try {
                        max = Math.max(max, Long.parseLong(f.substring(2, 14)));
                    } catch (NumberFormatException ignored) {
                        // not ours
                    }
                }
            }
        }
        return max + 1;
    }

    private static String name(Manifest m) {
        return m == null ? null : m.name();
    }

    private void write(Manifest m) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("seq", m.seq());
        root.put("data", m.data());
        ArrayNode names = root.putArray("segments");
        m.segments().forEach(names::add);
        writeAtomically(compacted.resolve(m.name()), JSON.writeValueAsBytes(root));
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
        writeAtomically(compacted.resolve(segment.name()), JSON.writeValueAsBytes(list));
        segments.put(segment.name(), segment);
        return segment;
    }

    private Segment segment(String name) throws IOException {
        Segment segment = segments.get(name);
        if (segment == null) {
            Map<String, Entry> listed = new LinkedHashMap<>();
            for (JsonNode s : JSON.readTree(compacted.resolve(name).toFile())) {
                listed.put(
                        s.get(0).asText(), new Entry(s.get(1).asText(), s.get(2).asText()));
            }
            segment = new Segment(name, listed);
            segments.put(name, segment);
        }
        return segment;
    }

    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A manifest and its segments (those not read before). */
    private Manifest read(Path file) throws IOException {
        JsonNode root = JSON.readTree(file.toFile());
        List<String> names = new ArrayList<>();
        root.get("segments").forEach(n -> names.add(n.asText()));
        Map<String, Entry> splits = new LinkedHashMap<>();
        for (String name : names) splits.putAll(segment(name).splits());
        return new Manifest(
                file.getFileName().toString(),
                root.get("seq").asLong(),
                root.get("data").asText(),
                List.copyOf(names),
                splits);
    }
}
