package io.sluice.sinks.files;

import io.sluice.engine.Sql;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Sink;
import io.sluice.spi.Split;
import io.sluice.spi.StaleClaimException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Local files. A split's output is named {@code part-<hash of split id>}; it is written under
 * {@code _sluice/staging/} and moved into place by atomic renames. A manifest per split lists its files, so a
 * replay that writes a different set of files still removes the ones it no longer produces. The output of a split
 * with an {@link OutputKey} (a file, a range, a pack) replaces, when it commits, the outputs of the other versions of
 * that input ({@link Versions}); every split's output replaces the outputs that splits forgotten by a reset (or a lost
 * ledger) wrote with any of its inputs ({@link Lineage}).
 */
final class FilesSink implements Sink {
    private static final String PARTIALS = "_sluice/partials";

    private final Path root;
    private final String format;
    private final String compression;
    private final List<String> partitionBy;

    /** Partial results of an aggregate, and their compaction. */
    private final PartialStore partialStore;
    /** The done splits whose partials the last {@link #partials} call read. */
    private volatile java.util.Collection<Done> merged;

    /** Replaces the outputs of splits an earlier incarnation of the ledger committed, by their inputs. */
    private final Lineage lineage;

    /** The validated {@code sink.files} block: a folder that cannot be written is reported at its option. */
    private final io.sluice.config.Options options;
    /** The pipeline file's folder: missing folders above the output folder are created only inside it. */
    private final Path base;

    FilesSink(Path root, String format, String compression, List<String> partitionBy, io.sluice.config.Options options,
              Path base) {
        this.options = options;
        this.root = root;
        this.format = format;
        this.compression = compression;
        this.partitionBy = List.copyOf(partitionBy);
        this.partialStore = new PartialStore(root);
        this.lineage = new Lineage(root.resolve("_sluice"), this::remove);
        this.base = base;
    }

    /**
     * Changes nothing: the folder, or the nearest folder above it that exists, must be a writable folder. The output
     * folder is created by {@link #prepare}, with its missing parents when it is inside the pipeline's folder; outside
     * it, a missing folder above the output folder is refused: it is more likely a mistyped path (run as root,
     * {@code /dta/out} would otherwise make a new tree at the top of the disk) than a wish.
     */
    @Override
    public void check() {
        Path existing = root;
        while (existing.getParent() != null && !Files.exists(existing)) existing = existing.getParent();
        if (!Files.isDirectory(existing)) {
            throw options.problem("path", "cannot write to " + root + " (" + existing + " is not a folder); fix the "
                    + "path or choose another path");
        }
        if (existing.getNameCount() < root.getNameCount() - 1 && !root.startsWith(base)) {
            Path missing = existing.resolve(root.getName(existing.getNameCount()));
            throw options.problem("path", "the folder " + missing + " does not exist: is " + root + " mistyped? Sluice "
                    + "creates the output folder, and the missing folders above it only inside the pipeline's folder "
                    + "(" + base + "); if the path is right, create " + root.getParent() + " first");
        }
        if (!Files.isWritable(existing)) {
            throw options.problem("path", "cannot write to " + root + " (permission denied or read-only); "
                    + "fix the folder's permissions or choose another path");
        }
    }

    /** Creates the output folder and Sluice's folders in it, and proves that a file can be written there. */
    @Override
    public void prepare() throws IOException {
        try {
            Files.createDirectories(root.resolve("_sluice").resolve("staging"));
            Files.createDirectories(root.resolve("_sluice").resolve("manifests"));
            Path probe = Files.createTempFile(root.resolve("_sluice"), "probe", ".tmp");
            Files.delete(probe);
        } catch (AccessDeniedException | java.nio.file.ReadOnlyFileSystemException e) {
            // a ConfigException: the run stops before any split, with exit code 2 and the option's file:line:column
            throw options.problem("path", "cannot write to " + root + " (permission denied or read-only); "
                    + "fix the folder's permissions or choose another path");
        } catch (FileSystemException e) {
            throw options.problem("path", "cannot write to " + root + " (" + reason(e)
                    + "); fix the folder or choose another path");
        }
    }

    /** Every {@code partition_by} column must be among the records' columns (named as DuckDB does: any case). */
    @Override
    public void checkColumns(List<String> columns) {
        for (String column : partitionBy) {
            if (columns.stream().noneMatch(column::equalsIgnoreCase)) {
                throw options.problem("partition_by", "no column \"" + column + "\" in the records the steps give"
                        + io.sluice.config.Validator.suggestion(column, columns) + "; their columns: "
                        + String.join(", ", columns));
            }
        }
    }

    @Override
    public Written write(Connection c, Split split, String query, BadRecords badRecords, Fence fence) throws Exception {
        return stage(split, name(split.id()), c, (staging, name) -> copy(query, staging, name), badRecords, fence);
    }

    /** Partials live under {@code _sluice/partials/}, one Parquet file per split, replaced like any output. */
    @Override
    public Written writePartial(Connection c, Split split, String query, BadRecords badRecords, Fence fence) throws Exception {
        return stage(split, name(split.id()), c, (staging, name) -> {
            Path dir = staging.resolve(PARTIALS);
            Files.createDirectories(dir);
            return "COPY (" + query + ") TO " + Sql.literal(dir.resolve(name + ".parquet").toString()) + " (FORMAT parquet)";
        }, badRecords, fence);
    }

    /**
     * The partials of the done splits: the usable compacted file and the partials of the done splits it does not
     * hold (see {@link PartialStore} for why each done split counts once).
     */
    @Override
    public String partials(DoneSplits done) throws IOException {
        PartialStore.Read read = partialStore.read(done);
        merged = read.view().done();
        return read.query();
    }

    PartialStore partialStore() {
        return partialStore;
    }

    /** Folds the partials of done splits into one compacted partial; see {@link PartialStore#compact}. */
    @Override
    public int compactPartials(Connection c, DoneSplits done, java.util.function.UnaryOperator<String> fold, int atLeast)
            throws Exception {
        return partialStore.compact(c, done, fold, atLeast);
    }

    /**
     * Totals: one output named {@code totals} (per partition), replaced atomically. Changes: the rows that differ
     * from the previous merge, as {@code changes-<epoch>}; the epoch is derived from the partials merged, so a merge
     * repeated after a crash rewrites the same file instead of adding another.
     */
    @Override
    public Written replaceMerged(Connection c, String query, boolean changesOnly) throws Exception {
        if (!changesOnly) return stage(null, "totals", c, (staging, name) -> copy(query, staging, name), BadRecords.NONE, () -> { });
        Path snapshot = root.resolve("_sluice").resolve("merged.parquet");
        String merged = "sluice_merged_" + Math.abs(System.nanoTime());
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TEMP TABLE " + merged + " AS " + query);
            String changed = Files.exists(snapshot)
                    ? "SELECT * FROM " + merged + " EXCEPT SELECT * FROM read_parquet(" + Sql.literal(snapshot.toString()) + ")"
                    : "SELECT * FROM " + merged;
            // nothing changed: no file, and the earlier file of this epoch (a merge repeated after a crash) stays;
            // staging an empty result under the same name would remove it
            Written written;
            try (var r = s.executeQuery("SELECT count(*) FROM (" + changed + ")")) {
                r.next();
                written = r.getLong(1) == 0 ? new Written(0, List.of())
                        : stage(null, "changes-" + epoch(), c, (staging, name) -> copy(changed, staging, name), BadRecords.NONE, () -> { });
            }
            Path tmp = snapshot.resolveSibling("merged.parquet.tmp");
            s.execute("COPY " + merged + " TO " + Sql.literal(tmp.toString()) + " (FORMAT parquet)");
            Files.move(tmp, snapshot, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return written;
        } finally {
            try (Statement s = c.createStatement()) {
                s.execute("DROP TABLE IF EXISTS " + merged);
            }
        }
    }

    /** Names the set of partials (the done splits, each in its completion) the last merge read. */
    private String epoch() {
        return PartialStore.epoch(merged == null ? List.of() : merged);
    }

    /**
     * Writes the statement's rows (and bad records) under a fresh staging folder, then commits them under {@code name}.
     * A split's output ({@code split} not null) replaces the outputs of the split's other versions; nothing is
     * committed (no rows written) when the split's inputs changed meanwhile.
     */
    private Written stage(Split split, String name, Connection c, Copy copy, BadRecords badRecords, Fence fence)
            throws Exception {
        Path stagingRoot = root.resolve("_sluice").resolve("staging");
        removeAbandoned(stagingRoot, name);
        Path staging = Files.createTempDirectory(stagingRoot, name + "-");
        try {
            long rows;
            try (Statement s = c.createStatement()) {
                rows = s.executeUpdate(copy.statement(staging, name));
                String rejectsQuery = badRecords.query();
                if (rejectsQuery != null) {
                    Path dead = staging.resolve("_dead_letter");
                    Files.createDirectories(dead);
                    s.executeUpdate("COPY (" + rejectsQuery + ") TO "
                            + Sql.literal(dead.resolve(name + ".jsonl").toString()) + " (FORMAT json)");
                }
            }
            List<String> produced = listFiles(staging, rows == 0);
            if (!publish(split, name, staging, produced, fence)) return new Written(0, List.of());
            return new Written(rows, produced);
        } finally {
            deleteTree(staging);
        }
    }

    /** The COPY statement that writes a split's rows under the staging folder. */
    @FunctionalInterface
    private interface Copy {
        String statement(Path staging, String name) throws IOException;
    }

    private String copy(String query, Path staging, String name) {
        String codec = compression.equals("none") ? "uncompressed" : compression;
        String options = switch (format) {
            case "parquet" -> "FORMAT parquet, COMPRESSION " + codec;
            case "csv" -> "FORMAT csv, HEADER true, COMPRESSION " + codec;
            default -> "FORMAT json, COMPRESSION " + codec;
        };
        if (partitionBy.isEmpty()) {
            return "COPY (" + query + ") TO " + Sql.literal(staging.resolve(name + extension()).toString()) + " (" + options + ")";
        }
        String columns = String.join(", ", partitionBy.stream().map(Sql::identifier).toList());
        return "COPY (" + query + ") TO " + Sql.literal(staging.toString()) + " (" + options + ", PARTITION_BY (" + columns
                + "), FILENAME_PATTERN " + Sql.literal(name + "-{i}") + ", FILE_EXTENSION "
                + Sql.literal(extension().substring(1)) + ", OVERWRITE_OR_IGNORE true)";
    }

    private String extension() {
        String base = switch (format) {
            case "parquet" -> ".parquet";
            case "csv" -> ".csv";
            default -> ".jsonl";
        };
        return switch (compression) {
            case "gzip" -> format.equals("parquet") ? base : base + ".gz";
            case "zstd" -> format.equals("parquet") ? base : base + ".zst";
            default -> base;
        };
    }

    /** Every file under staging, relative; an empty data file (no rows) is dropped rather than committed. */
    private List<String> listFiles(Path staging, boolean dropData) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(staging)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                String rel = staging.relativize(p).toString().replace('\\', '/');
                if (dropData && !rel.startsWith("_dead_letter/")) continue;
                out.add(rel);
            }
        }
        return out;
    }

    /**
     * Commits a split's staged output, right after checking the claim. A split with an {@link OutputKey} commits under
     * its key's lock: when its inputs changed since it was planned it commits nothing (its newer version writes the
     * output; an earlier attempt's files stay until that version replaces them) and returns false; otherwise its
     * version is recorded, its files are moved into place, and then the outputs of every other version of the key are
     * removed. Then the outputs that earlier incarnations of the ledger committed with any of its inputs are removed
     * ({@link Lineage}). A crash anywhere leaves each file listed in a manifest, and each manifest findable from the
     * key or the inputs, for the next commit.
     */
    private boolean publish(Split split, String name, Path staging, List<String> produced, Fence fence)
            throws IOException, StaleClaimException {
        Optional<OutputKey> key = split == null ? Optional.empty() : Optional.ofNullable(split.outputKey());
        Manifest manifest = split == null ? Manifest.merged() : Manifest.of(split, fence.incarnation());
        Versions versions = new Versions(root.resolve("_sluice"));
        // the claim is checked under the locks: a wait for them does not widen the window between check and renames
        try (CommitLock.Held held = key.isPresent() ? versions.lock(key.get().key()) : CommitLock.Held.NONE;
             Lineage.Commit replaced = lineage.begin(manifest.incarnation())) {
            fence.check();
            if (key.isPresent()) {
                if (!fence.inputsCurrent()) return false;
                versions.record(split, name, key.get());
            }
            commit(name, staging, produced, manifest);
            if (key.isPresent()) versions.removeOthers(name, key.get(), this::remove);
            replaced.replace(name, manifest.inputs());
            return true;
        }
    }

    /**
     * Removes the split's committed files (of an attempt that failed once its commit had begun) and the staging of
     * attempts that crashed, under its output's commit lock, so that no commit of the split runs meanwhile.
     */
    @Override
    public void discard(Split split, Fence fence) throws IOException, StaleClaimException {
        String name = name(split.id());
        String key = split.outputKey() == null ? split.id() : split.outputKey().key();
        try (CommitLock.Held held = new Versions(root.resolve("_sluice")).lock(key)) {
            fence.check();
            removeAbandoned(root.resolve("_sluice").resolve("staging"), name);
            remove(name);
        }
    }

    /** Removes a committed output: its files, then its manifest. */
    private void remove(String name) throws IOException {
        Path manifest = manifest(name);
        for (String rel : files(manifest)) Files.deleteIfExists(root.resolve(rel));
        Files.deleteIfExists(manifest);
    }

    private Path manifest(String name) {
        return root.resolve("_sluice").resolve("manifests").resolve(name + ".json");
    }

    private static Set<String> files(Path manifest) throws IOException {
        return Manifest.read(manifest).map(Manifest::files).orElse(Set.of());
    }

    /**
     * Moves the staged files into place. The manifest first lists old and new files together, so a crash at any
     * point leaves every file of the split findable by the next attempt, which replaces or removes it.
     */
    private void commit(String name, Path staging, List<String> produced, Manifest manifest) throws IOException {
        Path file = manifest(name);
        Set<String> previous = files(file);
        Set<String> union = new LinkedHashSet<>(previous);
        union.addAll(produced);
        manifest.withFiles(union).write(file);
        for (String rel : produced) {
            Path target = root.resolve(rel);
            Files.createDirectories(target.getParent());
            Files.move(staging.resolve(rel), target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        for (String stale : previous) {
            if (!produced.contains(stale)) Files.deleteIfExists(root.resolve(stale));
        }
        manifest.withFiles(new LinkedHashSet<>(produced)).write(file);
    }

    /** The files every manifest lists that are there, then the {@code _sluice} folder. */
    @Override
    public List<String> listOutput() throws IOException {
        return output(false);
    }

    /**
     * Each output's files (those its manifest lists, so nothing Sluice did not write), then its manifest; folders
     * left empty (partitions, {@code _dead_letter}); then the {@code _sluice} folder: partials, totals' snapshot,
     * staging, versions, locks. A crash on the way leaves the rest listed for the next call.
     */
    @Override
    public List<String> deleteOutput() throws IOException {
        return output(true);
    }

    private List<String> output(boolean delete) throws IOException {
        Set<String> listed = new LinkedHashSet<>();
        Path sluice = root.resolve("_sluice");
        Path manifests = sluice.resolve("manifests");
        if (Files.isDirectory(manifests)) {
            List<Path> all;
            try (Stream<Path> list = Files.list(manifests)) {
                all = list.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
            }
            for (Path manifest : all) {
                for (String rel : files(manifest)) {
                    Path file = root.resolve(rel);
                    if (!Files.exists(file) || !listed.add(file.toString()) || !delete) continue;
                    Files.deleteIfExists(file);
                    removeEmptyFolders(file.getParent());
                }
                if (delete) Files.deleteIfExists(manifest);
            }
        }
        if (Files.exists(sluice)) {
            listed.add(sluice + java.io.File.separator);
            if (delete) deleteTree(sluice);
        }
        return List.copyOf(listed);
    }

    /** Removes this folder and the ones above it, up to the sink's folder, while they are empty. */
    private void removeEmptyFolders(Path folder) throws IOException {
        for (Path f = folder; f != null && f.startsWith(root) && !f.equals(root); f = f.getParent()) {
            try {
                Files.delete(f);
            } catch (java.nio.file.DirectoryNotEmptyException | java.nio.file.NoSuchFileException e) {
                return;
            }
        }
    }

    /**
     * Staging folders of earlier attempts of this split: this worker holds the split's current claim, so they
     * belong to attempts that crashed or lost their lease.
     */
    private static void removeAbandoned(Path stagingRoot, String name) throws IOException {
        try (Stream<Path> dirs = Files.list(stagingRoot)) {
            for (Path d : dirs.filter(d -> d.getFileName().toString().startsWith(name + "-")).toList()) {
                try {
                    deleteTree(d);
                } catch (IOException | java.io.UncheckedIOException e) {
                    // best effort: a stale attempt may be removing it at the same moment; readers never see staging
                }
            }
        }
    }

    /** The name of a split's output (and of the first version of an output key, whose split id is the key). */
    static String name(String splitId) {
        return "part-" + hash(splitId);
    }

    static String hash(String splitId) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(splitId.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private static String reason(FileSystemException e) {
        if (e.getReason() != null) return e.getReason();
        String what = e.getFile() == null ? "" : " " + e.getFile();
        return switch (e) {
            case java.nio.file.NoSuchFileException x -> "cannot create" + what;
            case java.nio.file.FileAlreadyExistsException x -> what.strip() + " exists and is not a folder";
            default -> e.getClass().getSimpleName() + what;
        };
    }
}
