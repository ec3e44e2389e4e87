package io.sluice.sinks.files;

import io.sluice.sinks.files.Manifest.Input;
import io.sluice.spi.AttemptFailure;
import io.sluice.spi.sink.OutputLocks;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.stream.Stream;

/**
 * Replaces the outputs of forgotten splits by their inputs. After a reset, or when the ledger was lost, every input is
 * planned again, maybe packed or cut differently: under new split ids, so under new output names, and the ledger
 * knows nothing of the outputs written before. Each output's {@link Manifest} records the ledger's incarnation it was
 * committed in and the inputs it holds (key, version, byte range); when a split commits, every output of another
 * incarnation that holds an input overlapping one of the split's (same key, overlapping bytes, any version) is
 * removed, all its files. Within one incarnation the ledger registers each version of an input once, and
 * {@link Versions} replaces the other versions of an output key; lineage is only about other incarnations.
 *
 * <p>Cost: {@code _sluice/incarnations/} holds a marker per incarnation that committed outputs here, written before
 * its first output. While the current incarnation's is the only marker, a commit costs one look at its own marker.
 * Otherwise (after a reset, until every output of the earlier incarnations is replaced) commits take the lineage
 * lock, held in the ledger so that it holds across machines, and the process reads the manifests once, to
 * index the other incarnations' outputs by input key: they never change, since nothing commits in a forgotten
 * incarnation. The marker of an incarnation goes when none of its outputs is left.
 *
 * <p>Races: a candidate's manifest is read again under the lock before it is removed, since another process may have
 * removed it, or committed the same output name in the current incarnation (a split id that recurs after a reset
 * names the same output, and its files must stay); every commit of a name takes the lock too while other
 * incarnations have outputs, before it writes its manifest.
 *
 * <p>Another pipeline: a marker names the pipeline that wrote it. Pipelines with disjoint inputs may share a folder;
 * an output whose marker names another pipeline is no earlier life of this one and is never removed, and a commit
 * holding an input of such an output (a renamed copy of that pipeline) is refused before it writes, not retried. A
 * marker of an earlier Sluice names no pipeline and is taken for this pipeline's; the current incarnation's gets the
 * line at its first commit in a process, so that output written before the upgrade is protected too.
 */
final class Lineage {
    /** The ledger lock commits take while outputs of other incarnations are left. */
    static final String LOCK = "files-lineage";

    private final ObjectStore store;
    private final String manifests;
    private final String markers;
    private final Versions.Remover remover;
    /** The pipeline whose sink this is, named in its markers; null when unknown (tests, tools): then none is refused. */
    private final String pipeline;
    /** The refusal of a commit holding an input (second) of another pipeline's (first) output. */
    private final BiFunction<String, String, String> refusal;
    /** Each marker's pipeline as read, once it names one: a named marker never changes. */
    private final Map<String, String> owners = new java.util.concurrent.ConcurrentHashMap<>();
    /** The incarnation whose marker was seen naming this pipeline in this process. */
    private volatile String named;
    /** The incarnation whose commits found no output of another incarnation: they need nothing more. */
    private volatile String clean;
    /** The other incarnations' outputs, as this process knows them; read and changed under the lineage lock only. */
    private Index index;

    /**
     * @param remover reads what removing one output removes: all its files and then its manifest
     * @param pipeline the pipeline whose sink this is; null when unknown
     * @param refusal the message refusing a commit that holds an input (second) of the other pipeline's (first) output
     */
    Lineage(ObjectStore store, Versions.Remover remover, String pipeline, BiFunction<String, String, String> refusal) {
        this.store = store;
        this.manifests = FilesSink.MANIFESTS;
        this.markers = MARKERS;
        this.remover = remover;
        this.pipeline = pipeline;
        this.refusal = refusal;
    }

    /** Where the markers of the incarnations that committed outputs here are. */
    static final String MARKERS = "_sluice/incarnations/";

    /** The markers of other pipelines than this one, by marker name; empty when this pipeline is not known. */
    Set<String> otherPipelinesMarkers() throws IOException {
        Set<String> found = new TreeSet<>();
        for (String m : others(null)) {
            if (isOtherPipeline(m)) found.add(m);
        }
        return found;
    }

    private boolean isOtherPipeline(String markerName) throws IOException {
        if (pipeline == null) return false;
        Optional<String> owner = owner(markerName);
        return owner.isPresent() && !owner.get().equals(pipeline);
    }

    /**
     * The pipeline a marker names: empty when it names none (an earlier Sluice's, maybe named later) or is gone.
     */
    private Optional<String> owner(String markerName) throws IOException {
        String known = owners.get(markerName);
        if (known != null) return Optional.of(known);
        String text;
        try (var in = store.read(markers + markerName, null, 0, -1)) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.FileNotFoundException | java.nio.file.NoSuchFileException e) {
            return Optional.empty(); // removed meanwhile, with the last output of its incarnation
        }
        Optional<String> read = text.lines()
                .filter(l -> l.startsWith(PIPELINE))
                .map(l -> l.substring(PIPELINE.length()))
                .findFirst();
        read.ifPresent(name -> owners.put(markerName, name));
        return read;
    }

    /** The line of a marker naming its pipeline. */
    private static final String PIPELINE = "pipeline: ";

    /**
     * Called before a split's output is committed (its manifest written): marks its incarnation as having outputs and,
     * when other incarnations have outputs, takes the lineage lock until the returned commit is closed.
     *
     * @param incarnation the ledger's incarnation the split was claimed in; null for no split's output (merged results)
     * @param inputs the split's inputs
     * @throws AttemptFailure (not retried) when an input is one of another pipeline's outputs'
     */
    Commit begin(String incarnation, List<Input> inputs, OutputLocks locks) throws IOException, AttemptFailure {
        if (incarnation == null) return Commit.NONE;
        String mine = marker(incarnation);
        String marker = markers + mine;
        boolean marked = store.stat(marker).isPresent();
        if (marked && incarnation.equals(clean)) return Commit.NONE;
        if (!marked) mark(marker, incarnation);
        else if (!incarnation.equals(named) && pipeline != null && owner(mine).isEmpty()) {
            mark(marker, incarnation); // an earlier Sluice's marker: named now, its outputs are protected too
        }
        named = incarnation;
        List<String> others = others(mine);
        if (others.isEmpty()) {
            clean = incarnation;
            return Commit.NONE;
        }
        OutputLocks.Held held = locks.lock(LOCK);
        try {
            if (index == null || !index.incarnation.equals(incarnation)) index = build(incarnation, mine);
            index.refuse(inputs);
            if (index.isEmpty()) {
                clean = incarnation;
                held.close();
                return Commit.NONE;
            }
            return new Commit(this, held, index);
        } catch (IOException | AttemptFailure | RuntimeException e) {
            held.close();
            throw e;
        }
    }

    /** A split's commit, holding the lineage lock when other incarnations have outputs. */
    static final class Commit implements AutoCloseable {
        static final Commit NONE = new Commit(null, null, null);

        private final Lineage lineage;
        private final OutputLocks.Held held; // null: none
        private final Index index;

        private Commit(Lineage lineage, OutputLocks.Held held, Index index) {
            this.lineage = lineage;
            this.held = held;
            this.index = index;
        }

        /**
         * After the output {@code name} was committed with these inputs: removes every output of another incarnation
         * that holds an input overlapping one of them.
         */
        void replace(String name, List<Input> inputs) throws IOException {
            if (index == null) return;
            held.check();
            index.forget(name); // committed in this incarnation now, if it was an earlier one's
            Set<String> candidates = new TreeSet<>();
            for (Input mine : inputs) {
                for (Held h : index.byKey.getOrDefault(mine.key(), List.of())) {
                    if (index.outputs.containsKey(h.name())
                            && !index.guarded(h.name())
                            && h.input().overlaps(mine)) candidates.add(h.name());
                }
            }
            for (String candidate : candidates) {
                var m = Manifest.read(lineage.store, lineage.manifests + candidate + ".json");
                // gone (another process removed it), or committed in the current incarnation since: not ours to remove
                // nor another pipeline's, committed since under the same name
                if (m.isPresent()
                        && m.get().incarnation() != null
                        && !m.get().incarnation().equals(index.incarnation)
                        && !lineage.isOtherPipeline(marker(m.get().incarnation()))) {
                    lineage.remover.read(candidate).run();
                }
                index.forget(candidate);
            }
            if (index.isEmpty()) lineage.clean = index.incarnation;
        }

        @Override
        public void close() throws IOException {
            if (held != null) held.close();
        }
    }

    /** An input of an output of another incarnation. */
    private record Held(String name, Input input) {}

    /** The outputs of the incarnations other than {@code incarnation}, by name and by input key. */
    private final class Index {
        final String incarnation;
        /** Output name -> the marker of its incarnation; an output is forgotten once removed or replaced. */
        final Map<String, String> outputs = new HashMap<>();
        /** The markers of other pipelines: their outputs are never removed, and a commit of their inputs is refused. */
        final Set<String> theirs = new HashSet<>();

        final Map<String, Integer> perMarker = new HashMap<>();
        final Map<String, List<Held>> byKey = new HashMap<>();

        Index(String incarnation) {
            this.incarnation = incarnation;
        }

        void add(String name, Manifest m) throws IOException {
            String marker = marker(m.incarnation());
            if (isOtherPipeline(marker)) theirs.add(marker);
            outputs.put(name, marker);
            perMarker.merge(marker, 1, Integer::sum);
            for (Input i : m.inputs())
                byKey.computeIfAbsent(i.key(), k -> new ArrayList<>()).add(new Held(name, i));
        }

        /**
         * The output is gone or belongs to the current incarnation; the marker of its incarnation goes with its last,
         * unless another pipeline's (it commits on).
         */
        void forget(String name) throws IOException {
            String marker = outputs.remove(name);
            if (marker != null && perMarker.merge(marker, -1, Integer::sum) == 0) {
                perMarker.remove(marker);
                if (!theirs.contains(marker)) store.delete(markers + marker);
            }
        }

        boolean guarded(String name) {
            return theirs.contains(outputs.get(name));
        }

        /** Throws when one of these inputs overlaps an input of another pipeline's output. */
        void refuse(List<Input> inputs) throws IOException, AttemptFailure {
            if (theirs.isEmpty()) return;
            for (Input mine : inputs) {
                for (Held h : byKey.getOrDefault(mine.key(), List.of())) {
                    if (guarded(h.name()) && h.input().overlaps(mine)) {
                        String other = owner(outputs.get(h.name())).orElseThrow();
                        // the other pipeline's output stays at every retry: not retried
                        throw new AttemptFailure(refusal.apply(other, mine.key()), false);
                    }
                }
            }
        }

        boolean isEmpty() {
            return outputs.isEmpty();
        }
    }

    /**
     * Reads every manifest and indexes the outputs of other incarnations; the markers of other incarnations none of
     * whose outputs is left go.
     */
    private Index build(String incarnation, String mine) throws IOException {
        Index built = new Index(incarnation);
        List<String> keys;
        try (Stream<StoredObject> list = store.list(manifests, null)) {
            keys = list.map(StoredObject::key).filter(k -> k.endsWith(".json")).toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        for (String key : keys) {
            var m = Manifest.read(store, key);
            if (m.isEmpty() || m.get().incarnation() == null || m.get().inputs().isEmpty()) continue;
            if (m.get().incarnation().equals(incarnation)) continue;
            built.add(key.substring(manifests.length(), key.length() - ".json".length()), m.get());
        }
        for (String other : others(mine)) {
            // another pipeline's marker stays: that pipeline may be about to commit its first output
            if (!built.perMarker.containsKey(other) && !isOtherPipeline(other)) store.delete(markers + other);
        }
        return built;
    }

    /** The markers of other incarnations ({@code mine}: null for every marker). */
    private List<String> others(String mine) throws IOException {
        try (Stream<StoredObject> list = store.list(markers, null)) {
            return list.map(o -> o.key().substring(markers.length()))
                    .filter(n -> !n.equals(mine))
                    .toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * Writes the marker of an incarnation, which names it and the pipeline that wrote it, for people and for
     * {@link #otherPipelinesMarkers}: {@code INCARNATION\npipeline: NAME\n}.
     */
    private void mark(String marker, String incarnation) throws IOException {
        String text = incarnation + "\n" + (pipeline == null ? "" : PIPELINE + pipeline + "\n");
        store.write(marker, text.getBytes(StandardCharsets.UTF_8), WriteCondition.none());
    }

    /** The marker's file name: a hash, since an incarnation id may hold any character. */
    static String marker(String incarnation) {
        return FilesSink.hash(incarnation);
    }
}
