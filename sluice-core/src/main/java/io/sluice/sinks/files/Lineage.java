package io.sluice.sinks.files;

import io.sluice.sinks.files.Manifest.Input;
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
 */
final class Lineage {
    /** The ledger lock commits take while outputs of other incarnations are left. */
    static final String LOCK = "files-lineage";

    private final ObjectStore store;
    private final String manifests;
    private final String markers;
    private final Versions.Remover remover;
    /** The incarnation whose commits found no output of another incarnation: they need nothing more. */
    private volatile String clean;
    /** The other incarnations' outputs, as this process knows them; read and changed under the lineage lock only. */
    private Index index;

    /**
     * @param remover reads what removing one output removes: all its files and then its manifest
     */
    Lineage(ObjectStore store, Versions.Remover remover) {
        this.store = store;
        this.manifests = FilesSink.MANIFESTS;
        this.markers = "_sluice/incarnations/";
        this.remover = remover;
    }

    /**
     * Called before a split's output is committed (its manifest written): marks its incarnation as having outputs and,
     * when other incarnations have outputs, takes the lineage lock until the returned commit is closed.
     *
     * @param incarnation the ledger's incarnation the split was claimed in; null for no split's output (merged results)
     */
    Commit begin(String incarnation, OutputLocks locks) throws IOException {
        if (incarnation == null) return Commit.NONE;
        String mine = marker(incarnation);
        String marker = markers + mine;
        boolean marked = store.stat(marker).isPresent();
        if (marked && incarnation.equals(clean)) return Commit.NONE;
        if (!marked) mark(marker, incarnation);
        if (others(mine).isEmpty()) {
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
        } catch (IOException | RuntimeException e) {
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
                if (m.isPresent()
                        && m.get().incarnation() != null
                        && !m.get().incarnation().equals(index.incarnation)) {
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
            if (!built.perMarker.containsKey(other)) store.delete(markers + other);
        }
        return built;
    }

    /** The markers of other incarnations. */
    private List<String> others(String mine) throws IOException {
        try (Stream<StoredObject> list = store.list(markers, null)) {
            return list.map(o -> o.key().substring(markers.length()))
                    .filter(n -> !n.equals(mine))
                    .toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Writes the marker of an incarnation, which names it for people. */
    private void mark(String marker, String incarnation) throws IOException {
        store.write(marker, (incarnation + "\n").getBytes(StandardCharsets.UTF_8), WriteCondition.none());
    }

    /** The marker's file name: a hash, since an incarnation id may hold any character. */
    private static String marker(String incarnation) {
        return FilesSink.hash(incarnation);
    }
}
