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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
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
 * <p>Another pipeline: a marker names the pipeline that wrote it, and a folder holding another pipeline's marker is
 * refused ({@link #otherPipeline}), before anything is written, and at every commit that would replace outputs: its
 * incarnation is no earlier life of this pipeline, and its outputs are not this pipeline's to replace. A marker of an
 * earlier Sluice names no pipeline and is taken for this pipeline's.
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
    /** The refusal of a folder holding another pipeline's outputs, by its name. */
    private final java.util.function.Function<String, String> refusal;
    /** Each marker's pipeline as read (empty: it names none); a marker never changes. */
    private final Map<String, Optional<String>> owners = new java.util.concurrent.ConcurrentHashMap<>();
    /** The incarnation whose commits found no output of another incarnation: they need nothing more. */
    private volatile String clean;
    /** The other incarnations' outputs, as this process knows them; read and changed under the lineage lock only. */
    private Index index;

    /**
     * @param remover reads what removing one output removes: all its files and then its manifest
     * @param pipeline the pipeline whose sink this is; null when unknown
     * @param refusal the message refusing a commit when the folder holds outputs of the pipeline it is given
     */
    Lineage(
            ObjectStore store,
            Versions.Remover remover,
            String pipeline,
            java.util.function.Function<String, String> refusal) {
        this.store = store;
        this.manifests = FilesSink.MANIFESTS;
        this.markers = MARKERS;
        this.remover = remover;
        this.pipeline = pipeline;
        this.refusal = refusal;
    }

    /** Where the markers of the incarnations that committed outputs here are. */
    static final String MARKERS = "_sluice/incarnations/";

    /**
     * The other pipeline a marker in the folder names, if any: its outputs are not this pipeline's. Reads the markers
     * only (a list, and each marker once per process).
     */
    Optional<String> otherPipeline() throws IOException {
        return otherPipeline(others(null));
    }

    /** The markers of other pipelines than this one, by marker name; empty when this pipeline is not known. */
    Set<String> otherPipelinesMarkers() throws IOException {
        Set<String> found = new TreeSet<>();
        for (String m : others(null)) {
            if (isOtherPipeline(m)) found.add(m);
        }
        return found;
    }

    private Optional<String> otherPipeline(List<String> markerNames) throws IOException {
        for (String m : markerNames) {
            if (isOtherPipeline(m)) return owner(m);
        }
        return Optional.empty();
    }

    /** Throws when one of these markers is another pipeline's. */
    private void refuseOtherPipeline(List<String> markerNames) throws IOException, AttemptFailure {
        Optional<String> other = otherPipeline(markerNames);
        // the folder stays another pipeline's at every retry
        if (other.isPresent()) throw new AttemptFailure(refusal.apply(other.get()), false);
    }

    private boolean isOtherPipeline(String markerName) throws IOException {
        if (pipeline == null) return false;
        Optional<String> owner = owner(markerName);
        return owner.isPresent() && !owner.get().equals(pipeline);
    }

    /** The pipeline a marker names: empty when it names none (an earlier Sluice's) or is gone. */
    private Optional<String> owner(String markerName) throws IOException {
        Optional<String> known = owners.get(markerName);
        if (known != null) return known;
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
        owners.put(markerName, read);
        return read;
    }

    /** The line of a marker naming its pipeline. */
    private static final String PIPELINE = "pipeline: ";

    /**
     * Called before a split's output is committed (its manifest written): marks its incarnation as having outputs and,
     * when other incarnations have outputs, takes the lineage lock until the returned commit is closed.
     *
     * @param incarnation the ledger's incarnation the split was claimed in; null for no split's output (merged results)
     */
    Commit begin(String incarnation, OutputLocks locks) throws IOException, AttemptFailure {
        if (incarnation == null) return Commit.NONE;
        String mine = marker(incarnation);
        String marker = markers + mine;
        boolean marked = store.stat(marker).isPresent();
        // clean: this commit replaces nothing, so it removes no other pipeline's output that appeared meanwhile
        if (marked && incarnation.equals(clean)) return Commit.NONE;
        List<String> others = others(mine);
        refuseOtherPipeline(others); // before marking: a refused pipeline leaves no marker behind
        if (!marked) {
            mark(marker, incarnation);
            others = others(mine);
            refuseOtherPipeline(others); // another pipeline that marked meanwhile
        }
        if (others.isEmpty()) {
            clean = incarnation;
            return Commit.NONE;
        }
        OutputLocks.Held held = locks.lock(LOCK);
        try {
            if (index == null || !index.incarnation.equals(incarnation)) index = build(incarnation, mine);
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
                    if (index.outputs.containsKey(h.name()) && h.input().overlaps(mine)) candidates.add(h.name());
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

        final Map<String, Integer> perMarker = new HashMap<>();
        final Map<String, List<Held>> byKey = new HashMap<>();

        Index(String incarnation) {
            this.incarnation = incarnation;
        }

        void add(String name, Manifest m) {
            String marker = marker(m.incarnation());
            outputs.put(name, marker);
            perMarker.merge(marker, 1, Integer::sum);
            for (Input i : m.inputs())
                byKey.computeIfAbsent(i.key(), k -> new ArrayList<>()).add(new Held(name, i));
        }

        /** The output is gone or belongs to the current incarnation; the marker of its incarnation goes with its last. */
        void forget(String name) throws IOException {
            String marker = outputs.remove(name);
            if (marker != null && perMarker.merge(marker, -1, Integer::sum) == 0) {
                perMarker.remove(marker);
                store.delete(markers + marker);
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
    private Index build(String incarnation, String mine) throws IOException, AttemptFailure {
        Index built = new Index(incarnation);
        refuseOtherPipeline(others(mine)); // under the lock: no other pipeline's outputs are indexed to be replaced
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
            if (!built.perMarker.containsKey(other)) store.delete(markers + other);
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
     * {@link #otherPipeline}: {@code INCARNATION\npipeline: NAME\n}.
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
