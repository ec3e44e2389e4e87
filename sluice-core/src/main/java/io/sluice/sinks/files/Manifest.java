package io.sluice.sinks.files;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What one committed output is, as {@code _sluice/manifests/<name>.json} records it: its files, and, for a split's
 * output, the split id, the ledger incarnation it was committed in and the inputs it holds, so that the output can be
 * found by its inputs after the ledger forgot the split ({@link Lineage}).
 *
 * <pre>
 * {"split": "pack:a.csv+1:1f2e3d4c", "incarnation": "...",
 *  "inputs": [{"key": "a.csv", "version": "120:1767225600000", "start": 0, "end": -1}, ...],
 *  "files": ["region=eu/part-3f2a1b0c9d8e7f60-0.parquet", "_dead_letter/part-3f2a1b0c9d8e7f60.jsonl"]}
 * </pre>
 *
 * A commit writes it twice: first with {@code "committing": true} and the old and new files, then without the flag and
 * with the new files only. A manifest still flagged is one whose commit was killed: its uploads may be unfinished.
 * A manifest an older Sluice wrote is a plain array of files: its split and inputs are unknown.
 *
 * @param split       the split id; null for merged results, and in an older manifest
 * @param incarnation the ledger's incarnation the split was committed in; null when unknown
 * @param inputs      what the output holds; empty when unknown
 * @param files       the output's files, relative to the sink's folder
 * @param committing  written before the commit's uploads: true until the commit's last write (false when unknown)
 */
record Manifest(String split, String incarnation, List<Input> inputs, Set<String> files, boolean committing) {
    private static final ObjectMapper JSON = new ObjectMapper();

    Manifest {
        inputs = List.copyOf(inputs);
        files = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(files));
    }

    /**
     * One input an output holds: a file's (or a tailed log's) key, its version (a file's size and modification time, a
     * log's generation) and the byte range.
     *
     * @param end first byte after the range; {@link Member#WHOLE} for all of it
     */
    record Input(String key, String version, long start, long end) {
        Input {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(version, "version");
        }

        /** A split's member as an input: the version without the tag a pack planned again gives an unchanged file. */
        static Input of(Member m) {
            return new Input(m.key(), OutputKey.fileVersion(m.fingerprint()), m.start(), m.end());
        }

        /** The same input (key), and the byte ranges share a byte, whatever the versions. */
        boolean overlaps(Input other) {
            return key.equals(other.key) && start < limit(other.end) && other.start < limit(end);
        }

        private static long limit(long end) {
            return end == Member.WHOLE ? Long.MAX_VALUE : end;
        }
    }

    /** The manifest of a split's output, without files yet. */
    static Manifest of(Split split, String incarnation) {
        return new Manifest(
                split.id(), incarnation, split.members().stream().map(Input::of).toList(), Set.of(), false);
    }

    /** The manifest of merged results: files only. */
    static Manifest merged() {
        return new Manifest(null, null, List.of(), Set.of(), false);
    }

    /** The commit's record: these files, the commit done. */
    Manifest withFiles(Set<String> files) {
        return new Manifest(split, incarnation, inputs, files, false);
    }

    /** Written before a commit's uploads: every file the output may hold meanwhile, the commit under way. */
    Manifest committing(Set<String> files) {
        return new Manifest(split, incarnation, inputs, files, true);
    }

    /** The manifest at this key of the store; empty when there is none. */
    static Optional<Manifest> read(ObjectStore store, String key) throws IOException {
        return read(store, key, null);
    }

    /**
     * The manifest at this key in this version (null: whichever is there); empty when there is none.
     *
     * @throws io.sluice.spi.storage.ObjectChangedException when it is another version now
     */
    static Optional<Manifest> read(ObjectStore store, String key, String version) throws IOException {
        JsonNode root;
        try (InputStream in = store.read(key, version, 0, -1)) {
            root = JSON.readTree(in);
        } catch (java.io.FileNotFoundException | NoSuchFileException e) {
            return Optional.empty();
        } catch (io.sluice.spi.storage.ObjectChangedException e) {
            throw e; // written since the version was read: intact, not broken
        } catch (IOException e) {
            throw new IOException(
                    "cannot read the manifest " + store.describe(key) + " (" + e.getMessage() + "); if it "
                            + "was edited, restore it, or remove the sink's output and run the pipeline again",
                    e);
        }
        if (root == null || root.isMissingNode())
            return Optional.empty(); // an empty file: never written by Sluice, whose writes are atomic
        if (root.isArray()) return Optional.of(new Manifest(null, null, List.of(), strings(root), false)); // older
        List<Input> inputs = new ArrayList<>();
        for (JsonNode i : root.path("inputs")) {
            inputs.add(new Input(
                    i.get("key").asText(),
                    i.get("version").asText(),
                    i.get("start").asLong(),
                    i.get("end").asLong()));
        }
        return Optional.of(new Manifest(
                text(root, "split"),
                text(root, "incarnation"),
                inputs,
                strings(root.path("files")),
                root.path("committing").asBoolean(false)));
    }

    /** Writes the manifest as one object (which stores make visible whole, or not at all), under {@code condition}. */
    StoredObject write(ObjectStore store, String key, WriteCondition condition) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        if (split != null) root.put("split", split);
        if (incarnation != null) root.put("incarnation", incarnation);
        if (!inputs.isEmpty()) {
            ArrayNode list = root.putArray("inputs");
            for (Input i : inputs) {
                list.addObject()
                        .put("key", i.key())
                        .put("version", i.version())
                        .put("start", i.start())
                        .put("end", i.end());
            }
        }
        ArrayNode list = root.putArray("files");
        files.forEach(list::add);
        if (committing) root.put("committing", true);
        return store.write(key, JSON.writeValueAsBytes(root), condition);
    }

    private static String text(JsonNode root, String field) {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> out = new LinkedHashSet<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
