package io.sluice.sinks.files;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import io.sluice.spi.storage.ObjectChangedException;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Which outputs stand for which version of an input ({@link OutputKey}), so that committing a new version removes
 * the others. Under {@code _sluice/versions/<hash of the output key>/} one small object per committed output names
 * its version and byte range. The first version of a whole file or of a pack needs none: its split id is the output
 * key itself, so its output's name is known.
 *
 * <p>All of it happens under a lock per output key held in the ledger ({@link FilesSink#lockName}), so two versions
 * of one input never commit at the same time, from any machine.
 */
final class Versions {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DIR = "_sluice/versions/";

    /** A removal read before a commit's last check of its lock, to run after the commit. */
    @FunctionalInterface
    interface Removal {
        void run() throws IOException;
    }

    /**
     * Reads what removing one output (its files, then its manifest) by name removes; removing an absent one does
     * nothing.
     */
    @FunctionalInterface
    interface Remover {
        Removal read(String name) throws IOException;
    }

    private final ObjectStore store;

    Versions(ObjectStore store) {
        this.store = store;
    }

    /**
     * Records that the output {@code name} holds this version of the key, before its files are written: a crash after
     * that leaves them findable by the next version too. The first version of a whole file or a pack (split id = output
     * key) needs no record. The record's name says all a commit decides by ({@code NAME~VERSION HASH~START~END.json},
     * so deciding reads no object); it holds the split id, for people. Written only if absent: a record never changes
     * (the condition is the check: no HEAD first).
     */
    void record(Split split, String name, OutputKey key) throws IOException {
        if (split.id().equals(key.key())) return;
        String entry = folder(key.key())
                + String.join(
                        "~", name, FilesSink.hash(key.version()), Long.toString(key.start()), Long.toString(key.end()))
                + ".json";
        try {
            store.write(
                    entry,
                    JSON.writeValueAsBytes(Map.of("split", split.id(), "version", key.version())),
                    WriteCondition.ifAbsent());
        } catch (ObjectChangedException e) {
            // written by an earlier attempt of the split (or a replay): the same record
        }
    }

    /**
     * Reads what removing the outputs of every other version of the key (and of other cuts of this version, after a
     * reset) removes, keeping the other ranges of this version. Every version of a key (and range) has one output name,
     * which the commit writes over: under it, only the records of other versions go. Another name goes (its files, then
     * its manifest, then its records, so that a crash in between leaves the rest for the next commit of the key) unless
     * one of its records is of this version: a range of it, committed before this one, or about to be. Names of other
     * versions come from the records of earlier Sluice versions, which named a later version by its split id, and from
     * the ranges of a version cut otherwise.
     *
     * <p>Read before the commit's last check of the key's lock, run after the commit: a worker paused past the check
     * (a GC pause, a frozen VM) while the lock's next holder committed a newer version removes only what it read, never
     * the newer version's record or output (listed after the pause, they were removed as another version's: its rows
     * lost, or, its record lost, left beside the version after). A record never changes, so its name is all there is
     * to read of it.
     */
    Removal others(String name, OutputKey mine, Remover remover) throws IOException {
        String folder = folder(mine.key());
        Map<String, List<Entry>> byName = new TreeMap<>();
        try (Stream<StoredObject> list = store.list(folder, null)) {
            list.filter(o -> o.key().endsWith(".json"))
                    .map(o -> Entry.of(folder, o.key()))
                    .forEach(e -> byName.computeIfAbsent(e.name(), n -> new ArrayList<>())
                            .add(e));
        }
        // versions compared by their hashes, as the records' names hold them
        OutputKey me = new OutputKey(mine.key(), FilesSink.hash(mine.version()), mine.start(), mine.end());
        List<Removal> steps = new ArrayList<>();
        for (var output : byName.entrySet()) {
            List<Entry> entries = output.getValue();
            List<Entry> kept = output.getKey().equals(name)
                    ? entries.stream()
                            .filter(e -> e.version().equals(me.version()))
                            .toList()
                    : entries.stream()
                            .filter(e -> e.key(mine.key()).sibling(me))
                            .toList();
            if (!output.getKey().equals(name) && kept.isEmpty()) steps.add(remover.read(output.getKey()));
            for (Entry e : entries) if (!kept.contains(e)) steps.add(() -> store.delete(e.object()));
        }
        String first = FilesSink.name(mine.key());
        if (!first.equals(name) && !byName.containsKey(first)) steps.add(remover.read(first));
        return () -> {
            for (Removal step : steps) step.run();
        };
    }

    /** A record: {@code NAME~VERSION HASH~START~END.json} under the key's folder. */
    private record Entry(String object, String name, String version, long start, long end) {
        static Entry of(String folder, String object) {
            String file = object.substring(folder.length(), object.length() - ".json".length());
            String[] f = file.split("~");
            return new Entry(object, f[0], f[1], Long.parseLong(f[2]), Long.parseLong(f[3]));
        }

        OutputKey key(String key) {
            return new OutputKey(key, version, start, end);
        }
    }

    private static String folder(String key) {
        return DIR + FilesSink.hash(key) + "/";
    }
}
