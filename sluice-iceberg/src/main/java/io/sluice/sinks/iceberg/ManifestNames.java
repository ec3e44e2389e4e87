package io.sluice.sinks.iceberg;

import java.io.IOException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileIO;

/**
 * What each data manifest read so far says of a pipeline's live files: the {@link DataFileName}s they are named by, by
 * the manifest's location. A manifest is never changed once written (a commit, a merge of manifests, {@code
 * rewrite_manifests} or a compaction writes new ones, under new names), so what one holds is read once, and a commit
 * after an expiry reads only the manifests new since the last one. The catalog's current version still says which
 * manifests are live at each commit: a commit of another worker (or process) only adds manifests this one reads then,
 * so none is missed. Bounded by the names (and manifests) held: the least recently asked for are forgotten first, and
 * read again when asked for.
 */
final class ManifestNames {
    private final String pipeline;
    private final int capacity;
    private final LinkedHashMap<String, Set<DataFileName>> byManifest = new LinkedHashMap<>(16, 0.75f, true);
    private int held;

    /**
     * @param pipeline the pipeline's hash ({@link DataFileName#pipelineHash}): other names are not kept
     * @param capacity how many manifests and names to hold at most (each manifest counts one, each name one more)
     */
    ManifestNames(String pipeline, int capacity) {
        this.pipeline = pipeline;
        this.capacity = capacity;
    }

    /** The names of the pipeline's live files in the manifest, read from it unless known. */
    Set<DataFileName> of(ManifestFile manifest, FileIO io, Map<Integer, PartitionSpec> specs) throws IOException {
        synchronized (this) {
            Set<DataFileName> known = byManifest.get(manifest.path());
            if (known != null) return known;
        }
        Set<DataFileName> names = new HashSet<>();
        try (CloseableIterable<String> paths = ManifestFiles.readPaths(manifest, io, specs)) {
            for (String path : paths) {
                DataFileName.parse(path)
                        .filter(n -> n.pipeline().equals(pipeline))
                        .ifPresent(names::add);
            }
        }
        Set<DataFileName> read = Set.copyOf(names);
        synchronized (this) {
            if (byManifest.put(manifest.path(), read) == null) held += weight(read);
            var eldest = byManifest.entrySet().iterator();
            while (held > capacity && eldest.hasNext()) {
                held -= weight(eldest.next().getValue());
                eldest.remove();
            }
        }
        return read;
    }

    private static int weight(Set<DataFileName> names) {
        return 1 + names.size();
    }
}
