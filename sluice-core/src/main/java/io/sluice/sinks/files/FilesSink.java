package io.sluice.sinks.files;

import io.sluice.spi.AttemptFailure;
import io.sluice.spi.FileStep;
import io.sluice.spi.Folders;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import io.sluice.spi.StaleClaimException;
import io.sluice.spi.sink.BadRows;
import io.sluice.spi.sink.ColumnCheck;
import io.sluice.spi.sink.CommitContext;
import io.sluice.spi.sink.FileOutputs;
import io.sluice.spi.sink.FileSpec;
import io.sluice.spi.sink.OutputLocks;
import io.sluice.spi.sink.PartialResults;
import io.sluice.spi.sink.Rows;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkWriter;
import io.sluice.spi.sink.WriteContext;
import io.sluice.spi.sink.Written;
import io.sluice.spi.storage.ObjectChangedException;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Files in an {@link ObjectStore}: a local folder or a bucket's prefix. A split's output is named
 * {@code part-<hash of split id>}; it is staged in a local folder, then each file is written whole to its key (see
 * {@link #commit}). A manifest per split lists its files, so a replay that writes a different set of files still
 * removes the ones it no longer produces. The output of a split
 * with an {@link OutputKey} (a file, a range, a pack) replaces, when it commits, the outputs of the other versions of
 * that input ({@link Versions}); every split's output replaces the outputs that splits forgotten by a reset (or a lost
 * ledger) wrote with any of its inputs ({@link Lineage}).
 */
final class FilesSink implements Sink, PartialResults, FileOutputs {
    /** A file step's own folder in an attempt's staging ({@link FileOutputs.Writer#scratch}): never output. */
    private static final String SCRATCH = ".scratch";

    /** The last merged output of an aggregate that writes changes only, to compare the next merge with. */
    private static final String MERGED = "_sluice/merged.parquet";

    /** The output name of an aggregate's totals. */
    private static final String TOTALS = "totals";

    /** Where the output goes: a local folder or a bucket's prefix. */
    private final ObjectStore store;
    /** The output folder when the store is a local folder; null for an object store. */
    private final Path root;
    /** Where splits are staged: under the output folder for a local store (same disk), else a local temp folder. */
    private final Path stagingRoot;

    private final String format;
    private final String compression;
    private final List<String> partitionBy;

    /** Partial results of an aggregate, and their compaction. */
    private final PartialStore partialStore;
    /** The done splits whose partials the last {@link #read} call read. */
    private volatile java.util.Collection<Done> merged;

    /** Replaces the outputs of splits an earlier incarnation of the ledger committed, by their inputs. */
    private final Lineage lineage;

    /** The validated {@code sink.files} block: a folder that cannot be written is reported at its option. */
    private final io.sluice.config.Options options;
    /** The pipeline file's folder: missing folders above the output folder are created only inside it. */
    private final Path base;
    /** The pipeline whose sink this is; null when unknown (tests). */
    private final String pipeline;

    /**
     * @param root the output folder when {@code store} is a local one, else null
     * @param pipeline the pipeline's name: the folder's outputs of another pipeline are never replaced, and a commit of
     *     their inputs is refused ({@link Lineage}); null when unknown (tests): none is another pipeline's
     */
    FilesSink(
            ObjectStore store,
            Path root,
            String format,
            String compression,
            List<String> partitionBy,
            io.sluice.config.Options options,
            Path base,
            String pipeline) {
        this.options = options;
        this.store = store;
        this.root = root;
        this.stagingRoot = root != null
                ? root.resolve("_sluice").resolve("staging")
                : Path.of(System.getProperty("java.io.tmpdir"), "sluice-staging", hash(store.root()));
        this.format = format;
        this.compression = compression;
        this.partitionBy = List.copyOf(partitionBy);
        this.partialStore = new PartialStore(store, root);
        this.pipeline = pipeline;
        this.lineage = new Lineage(
                store,
                this::removal,
                pipeline,
                (other, input) ->
                        options.problem("path", otherPipeline(other, input)).getMessage());
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
        if (root == null) {
            checkStore();
        } else {
            checkFolder();
        }
    }

    /** Why a commit holding {@code input}, an input of {@code other}'s output in the folder, is refused; what to do. */
    private String otherPipeline(String other, String input) {
        return store.root() + " holds the output of another pipeline, '" + other + "' (its marker is in "
                + store.describe(Lineage.MARKERS) + "), of the input " + input + " that the pipeline '" + pipeline
                + "' writes too: its output is not replaced by another pipeline's. "
                + "Write this pipeline's output to another folder; or, if this pipeline was renamed from '" + other
                + "', remove the old output (sluice reset OLD.yaml --delete-output --yes, with the pipeline file "
                + "of '" + other + "') or rename this pipeline back to '" + other + "'";
    }

    /** A local folder: it, or the nearest folder above it that exists, is a writable folder. */
    private void checkFolder() {
        Path existing = root;
        while (existing.getParent() != null && !Files.exists(existing)) existing = existing.getParent();
        if (!Files.isDirectory(existing)) {
            throw options.problem(
                    "path",
                    "cannot write to " + root + " (" + existing + " is not a folder); fix the "
                            + "path or choose another path");
        }
        if (existing.getNameCount() < root.getNameCount() - 1 && !root.startsWith(base)) {
            Path missing = existing.resolve(root.getName(existing.getNameCount()));
            throw options.problem(
                    "path",
                    "the folder " + missing + " does not exist: is " + root + " mistyped? Sluice "
                            + "creates the output folder, and the missing folders above it only inside the pipeline's folder "
                            + "(" + base + "); if the path is right, create " + root.getParent() + " first");
        }
        if (!Files.isWritable(existing)) {
            throw options.problem(
                    "path",
                    "cannot write to " + root + " (permission denied or read-only); "
                            + "fix the folder's permissions or choose another path");
        }
    }

    /** An object store: its first page of {@code _sluice/} can be listed (the bucket exists, access is granted). */
    private void checkStore() {
        try {
            store.list("_sluice/", null).close(); // the first page is read before list returns
        } catch (IOException | java.io.UncheckedIOException e) {
            // the store's message names the place, the credentials (when refused) and what to do
            throw options.problem("path", "the output folder cannot be listed: " + e.getMessage());
        }
    }

    /**
     * Creates the staging folder and the output folder of a local store, and proves that an object can be written
     * there and removed. An object store's staging folder, in the temp folder, is made by the first write that stages:
     * a sink that never writes (a check, a plan) would leave it behind empty, one per bucket and prefix.
     */
    @Override
    public void prepare() throws IOException {
        try {
            if (root != null) Files.createDirectories(stagingRoot);
            String probe = "_sluice/probe-" + java.util.UUID.randomUUID();
            store.write(probe, new byte[0], WriteCondition.none());
            store.delete(probe);
        } catch (AccessDeniedException | java.nio.file.ReadOnlyFileSystemException e) {
            // a ConfigException: the run stops before any split, with exit code 2 and the option's file:line:column
            throw options.problem(
                    "path",
                    "cannot write to " + store.root() + " (permission denied or read-only); "
                            + "fix the folder's permissions or choose another path");
        } catch (FileSystemException e) {
            throw options.problem(
                    "path",
                    "cannot write to " + store.root() + " (" + reason(e) + "); fix the folder or choose another path");
        }
    }

    /** Every {@code partition_by} column must be among the records' columns (named as DuckDB does: any case). */
    @Override
    public Optional<ColumnCheck> columnCheck() {
        return ColumnCheck.eachOf(partitionBy, true, options, "partition_by");
    }

    /**
     * Staged in the sink's own staging folder, not the attempt's scratch: on local disk a rename into the output must
     * stay on one disk, and the split's next attempt removes what a killed one staged there.
     */
    @Override
    public SinkWriter open(Split split, WriteContext context) {
        return new Writer(split, false, context.token());
    }

    @Override
    public Optional<PartialResults> partialResults() {
        return Optional.of(this);
    }

    @Override
    public Optional<FileOutputs> fileOutputs() {
        return Optional.of(this);
    }

    @Override
    public Optional<String> outputFolder() {
        return Optional.of(store.place());
    }

    /** Files made by a step have no columns: {@code partition_by} cannot apply ({@code format} is simply unused). */
    @Override
    public void checkFiles() {
        if (!partitionBy.isEmpty()) {
            throw options.problem(
                    "partition_by",
                    "the files an exec step writes are copied as they are, not rows: there is no "
                            + "column to partition by; remove partition_by");
        }
    }

    /**
     * A split's files go under a folder named like a rows output ({@code part-<hash of the input>/}, see
     * {@link #outputName}), each by the path the step gave it there: so a replay, or a new version of the input,
     * writes the same keys, and the manifest removes the files it no longer writes.
     */
    @Override
    public FileOutputs.Writer openFiles(Split split, WriteContext context) {
        return new Writer(split, false, context.token());
    }

    /** Partials live under {@code _sluice/partials/}, one Parquet file per split, replaced like any output. */
    @Override
    public SinkWriter openPartial(Split split, WriteContext context) {
        return new Writer(split, true, context.token());
    }

    /**
     * One attempt at a split: its rows (and bad records) are written under a fresh staging folder in
     * {@code _sluice/staging/}, which readers never list, then committed by {@link #publish}.
     */
    private final class Writer implements SinkWriter, FileOutputs.Writer {
        private final Split split;
        private final boolean partial;
        private final String name;
        /** The staging folders of the split's attempts start with it: the split id's, since versions share a name. */
        private final String attempts;
        /** The claim's fencing token, which names this attempt's staging folder ({@link #newStaging}). */
        private final long token;

        private Path staging;
        /** Files mode: each input's folder, by the input's name. */
        private final java.util.Map<Path, String> folders = new java.util.LinkedHashMap<>();

        private List<String> produced;
        private long rows;
        private boolean committed;

        Writer(Split split, boolean partial, long token) {
            this.split = split;
            this.partial = partial;
            this.token = token;
            // partials are found by split id ({@link PartialStore}); a merge reads done splits only, never two versions
            this.name = partial ? name(split.id()) : outputName(split);
            this.attempts = name(split.id());
        }

        @Override
        public long stage(Rows rows, BadRows bad) throws Exception {
            if (staging != null) throw new IllegalStateException("split " + split.id() + " is staged already");
            staging = newAttemptStaging(attempts, token);
            this.rows = partial ? writePartial(rows, staging, name) : write(rows, staging, name);
            var rejects = bad.rows();
            if (rejects.isPresent()) writeDeadLetters(rejects.get(), staging, name);
            produced = listFiles(staging, this.rows == 0);
            requireStaged(this.rows, produced, staging, "split " + split.id(), "the split is tried again");
            return this.rows;
        }

        @Override
        public Path newFolder(String input) throws IOException {
            if (staging == null) staging = newAttemptStaging(attempts, token);
            // a dot folder beside the output's: never listed as output, removed once its files are staged
            Path folder = staging.resolve(".input-" + folders.size());
            Files.createDirectories(folder);
            folders.put(folder, input);
            return folder;
        }

        @Override
        public Path scratch() throws IOException {
            if (staging == null) staging = newAttemptStaging(attempts, token);
            return Files.createDirectories(staging.resolve(SCRATCH));
        }

        /** Moves each input's files under the output's folder (a rename: same disk), refusing a path written twice. */
        @Override
        public long stage() throws IOException, AttemptFailure {
            if (produced != null) throw new IllegalStateException("split " + split.id() + " is staged already");
            if (staging == null) staging = newAttemptStaging(attempts, token);
            Folders.deleteTree(staging.resolve(SCRATCH));
            Path output = staging.resolve(name);
            // before any move: a link planted where the output folder goes would take the inputs' files through it
            refuseStray(folders.keySet());
            java.util.Map<String, String> writtenBy = new java.util.HashMap<>();
            for (var folder : folders.entrySet()) {
                List<Path> made;
                try (Stream<Path> walk = Files.walk(folder.getKey())) {
                    made = walk.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                            .sorted()
                            .toList();
                }
                for (Path p : made) {
                    String rel = Folders.key(folder.getKey(), p);
                    // both refusals are the command's doing: another attempt writes the same, so none is made
                    if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        throw new AttemptFailure(
                                "the step wrote " + rel + " for " + folder.getValue() + " of split " + split.id()
                                        + ", which is not a regular file (a link, say): only files are copied to "
                                        + "the sink; write a copy of the file instead, then run the split again with "
                                        + "`sluice retry`",
                                false);
                    }
                    refuseReserved(rel, folder.getValue());
                    String earlier = writtenBy.putIfAbsent(rel, folder.getValue());
                    if (earlier != null) {
                        throw new AttemptFailure(
                                "inputs " + earlier + " and " + folder.getValue() + " of split " + split.id()
                                        + " both wrote " + rel + ": the inputs of a split share its output folder; "
                                        + "derive the names from the input's, or leave source.files.pack out (one "
                                        + "file a split), then run the split again with `sluice retry`",
                                false);
                    }
                    Path to = output.resolve(rel);
                    Files.createDirectories(to.getParent());
                    Files.move(p, to);
                }
                Folders.deleteTree(folder.getKey());
            }
            refuseStray(Set.of(output));
            produced = listFiles(staging, false);
            rows = produced.size();
            return rows;
        }

        /**
         * Fails when a file's path holds a name the store would hide ({@link ObjectStore#reservedName}): committed, it
         * would be in the manifest but in no listing, and a clean-up could remove it. Another attempt writes it alike.
         */
        private void refuseReserved(String rel, String input) throws AttemptFailure {
            for (String segment : rel.split("/")) {
                Optional<String> why = store.reservedName(segment);
                if (why.isPresent()) {
                    throw new AttemptFailure(
                            "the step wrote " + rel + " for " + input + " of split " + split.id() + ": " + why.get()
                                    + " (in " + store.root() + "); name it otherwise (no leading '.', say), then run "
                                    + "the split again with `sluice retry`",
                            false);
                }
            }
        }

        /**
         * Fails when the step wrote beside its folders ({@code {output_dir}/../x}, a {@code {output_dir}.tmp}):
         * committed, such a file would land at the sink's root, or in its {@code _sluice} bookkeeping, outside the
         * split's folder, where another split could write the same name. Only the {@code own} folders may be there,
         * as folders: a link or a file under one of their names (the output folder's, say) is stray too.
         */
        private void refuseStray(Set<Path> own) throws IOException, AttemptFailure {
            List<String> stray;
            try (Stream<Path> entries = Files.list(staging)) {
                stray = entries.filter(p -> !own.contains(p) || !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                        .map(p -> p.getFileName().toString())
                        .sorted()
                        .toList();
            }
            if (!stray.isEmpty()) throw FileStep.writtenBeside(stray, split.id());
        }

        @Override
        public Written commit(CommitContext context) throws Exception {
            if (produced == null) throw new IllegalStateException("split " + split.id() + " has nothing staged");
            if (committed) throw new IllegalStateException("split " + split.id() + " is committed already");
            try {
                if (!publish(split, partial, name, staging, produced, context)) return Written.NOTHING;
                return new Written(rows, produced);
            } finally {
                committed = true;
                abort();
            }
        }

        @Override
        public void abort() throws IOException {
            if (staging == null) return;
            Folders.deleteTree(staging);
            removeStagingRootIfEmpty();
        }

        @Override
        public void close() throws IOException {
            abort();
        }
    }

    private long write(Rows rows, Path staging, String name) throws Exception {
        FileSpec spec = new FileSpec(format, compression, partitionBy, name);
        try {
            return rows.writeFiles(partitionBy.isEmpty() ? staging.resolve(name + spec.extension()) : staging, spec);
        } catch (SQLException e) {
            if (partitionBy.isEmpty()
                    || e.getMessage() == null
                    || !e.getMessage().contains("File name too long")) {
                throw e;
            }
            // the same value makes the same folder name at every attempt: the split is dead at once
            throw AttemptFailure.refusedValue(
                    "sink.files.partition_by: a value of " + String.join(", ", partitionBy) + " is too long for a "
                            + "folder name (at most 255 bytes, once escaped); partition by a shorter value computed "
                            + "in a sql step (left(x, 100), or md5(x)), or by another column");
        }
    }

    /** Writes the rows' partition folders under {@code scratch}: a value too long for a folder name is refused there. */
    @Override
    public void checkValues(Rows rows, Path scratch) throws Exception {
        if (!partitionBy.isEmpty()) write(rows, Files.createDirectories(scratch.resolve("partitions")), "check");
    }

    private static long writePartial(Rows rows, Path staging, String name) throws Exception {
        Path dir = staging.resolve(PartialStore.DIR);
        Files.createDirectories(dir);
        return rows.writeFiles(dir.resolve(name + ".parquet"), FileSpec.parquet(name));
    }

    private static void writeDeadLetters(Rows rejects, Path staging, String name) throws Exception {
        Path dead = staging.resolve("_dead_letter");
        Files.createDirectories(dead);
        rejects.writeFiles(dead.resolve(name + ".jsonl"), new FileSpec("jsonl", "none", List.of(), name));
    }

    /**
     * The partials of the done splits: the usable compacted file and the partials of the done splits it does not
     * hold (see {@link PartialStore} for why each done split counts once). Local files are read in place, a bucket's
     * are downloaded under {@code scratch}.
     */
    @Override
    public Optional<List<Path>> read(DoneSplits done, Path scratch) throws IOException {
        PartialStore.Read read = partialStore.read(done, scratch);
        partialStore.removeSuperseded(read.view());
        merged = read.view().done();
        return read.files().isEmpty() ? Optional.empty() : Optional.of(read.files());
    }

    PartialStore partialStore() {
        return partialStore;
    }

    /** Folds the partials of done splits into one compacted partial; see {@link PartialStore#compact}. */
    @Override
    public int compact(DoneSplits done, Fold fold, int atLeast, OutputLocks locks, Path scratch) throws Exception {
        return partialStore.compact(done, fold, atLeast, locks, scratch);
    }

    /**
     * Notes the versions of the totals' manifest and of the last merged output before the merge lists the done splits:
     * it publishes only over those ({@link #stillNewest}).
     */
    @Override
    public MergeBase mergeBegins() throws IOException {
        return new MergeBase(version(manifest(TOTALS)), version(MERGED));
    }

    /** The versions of the merged outputs when a merge began; empty: none was there. */
    record MergeBase(Optional<String> totals, Optional<String> lastMerged) implements Began {}

    private Optional<String> version(String key) throws IOException {
        return store.stat(key).map(StoredObject::version);
    }

    /**
     * Fails when another merge published this merged output since this merge began: this one listed fewer done splits
     * and was paused past its lock's lease (after its last check of the lock), so its results are older and must not
     * replace the newer ones. Read after the commit's {@link #target}: on a store with atomic conditional writes, a
     * newer merge that publishes after this look fails this commit's writes instead.
     */
    private void stillNewest(String key, Optional<String> atBegin) throws IOException {
        if (!version(key).equals(atBegin)) {
            throw new ObjectChangedException(
                    key,
                    store.describe(key) + " was written by a newer merge since this one began (this merge was paused "
                            + "past its lock's lease, and listed fewer done splits): its older results are dropped");
        }
    }

    /** Where the store's conditional writes are atomic, a write only over {@code atBegin} (empty: none there). */
    private WriteCondition overVersion(Optional<String> atBegin) {
        if (!store.capabilities().conditionalWrites()) return WriteCondition.none();
        return atBegin.map(WriteCondition::ifVersion).orElse(WriteCondition.ifAbsent());
    }

    /** The last merged output: in place in a local folder, else downloaded under {@code scratch}. */
    @Override
    public Optional<Path> lastMerged(Path scratch) throws IOException {
        if (root != null) {
            Path snapshot = root.resolve(MERGED);
            return Files.exists(snapshot) ? Optional.of(snapshot) : Optional.empty();
        }
        Path copy = scratch.resolve("merged.parquet");
        try (java.io.InputStream in = store.read(MERGED, null, 0, -1)) {
            Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            return Optional.of(copy);
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty(); // no merge wrote changes yet
        }
    }

    /**
     * Totals: one output named {@code totals} (per partition), replaced atomically. Changes: the rows that differ
     * from the previous merge, as {@code changes-<epoch>}; the epoch is derived from the partials merged, so a merge
     * repeated after a crash rewrites the same file instead of adding another. Nothing changed: no file, and the
     * earlier file of this epoch (a merge repeated after a crash) stays; staging an empty result would remove it.
     */
    @Override
    public Written replaceMerged(Rows merged, Optional<Rows> changes, OutputLocks.Held lock, Began began)
            throws Exception {
        MergeBase base = (MergeBase) began;
        if (changes.isEmpty()) return stageMerged(TOTALS, merged, lock, manifest(TOTALS), base.totals());
        Optional<String> lastMerged = base.lastMerged();
        Written written = stageMerged("changes-" + epoch(), changes.get(), lock, MERGED, lastMerged);
        Path staging = newStaging("merged-", d -> false, "merged");
        try {
            Path file = staging.resolve("merged.parquet");
            merged.writeFiles(file, FileSpec.parquet("merged"));
            lock.check();
            stillNewest(MERGED, lastMerged);
            // replaced whole: a reader sees the old or the new; where atomic, only over the version the merge began
            // with
            store.writeMoving(MERGED, file, overVersion(lastMerged));
        } finally {
            Folders.deleteTree(staging);
            removeStagingRootIfEmpty();
        }
        return written;
    }

    /**
     * Stages and commits merged results under {@code name}, one merge at a time (its lock), and only while {@code key}
     * is still the version {@code atBegin} ({@link #stillNewest}); changes with no rows commit nothing.
     */
    private Written stageMerged(String name, Rows rows, OutputLocks.Held lock, String key, Optional<String> atBegin)
            throws Exception {
        // merges run one at a time (the lock), but a crashed one leaves its staging: removed once untouched for long
        Path staging = newStaging(name + "-", untouchedFor(ABANDONED_MERGE), name);
        try {
            long n = write(rows, staging, name);
            if (n == 0 && name.startsWith("changes-")) return Written.NOTHING;
            List<String> produced = listFiles(staging, n == 0);
            requireStaged(n, produced, staging, "the merged results " + name, "the merge is tried again");
            Target target = target(name, produced); // read first: a merge that publishes after the checks fails it
            lock.check();
            stillNewest(key, atBegin);
            target.commit(staging, Manifest.merged(), false);
            return new Written(n, produced);
        } finally {
            Folders.deleteTree(staging);
            removeStagingRootIfEmpty();
        }
    }

    /**
     * Fails when rows were staged but no data file is left in the staging folder: committing that would record an
     * output without its rows (and remove the rows an earlier commit wrote).
     */
    private static void requireStaged(long rows, List<String> produced, Path staging, String what, String then)
            throws IOException {
        if (rows > 0 && produced.stream().allMatch(f -> f.startsWith("_dead_letter/"))) {
            throw new IOException("the " + rows + " row(s) staged for " + what + " are no longer in its staging folder "
                    + staging + " (removed meanwhile); nothing is committed and " + then);
        }
    }

    /** Names the set of partials (the done splits, each in its completion) the last merge read. */
    private String epoch() {
        return PartialStore.epoch(merged == null ? List.of() : merged);
    }

    /**
     * Every file under staging, relative; an empty data file (no rows) is dropped rather than committed. A link (or
     * any other entry that is neither a file nor a folder) fails: committed, the file it points to would be the output.
     */
    private List<String> listFiles(Path staging, boolean dropData) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(staging)) {
            for (Path p : walk.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .sorted()
                    .toList()) {
                String rel = Folders.key(staging, p);
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IOException("the staging folder " + staging + " holds " + rel + ", which is not a "
                            + "regular file (a link, say): only files are copied to the sink; nothing is committed");
                }
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
     * version is recorded, its files are written over the earlier version's (every version of a key has one output
     * name, see {@link #outputName}), and then the outputs the key's versions wrote under other names are removed.
     * Then the outputs that earlier incarnations of the ledger committed with any of its inputs are removed
     * ({@link Lineage}). A crash anywhere leaves each file listed in a manifest, and each manifest findable from the
     * key or the inputs, for the next commit.
     *
     * <p>A partial of an aggregate keeps the other versions' partials: it records, before its own is written, that it
     * supersedes them ({@link PartialStore#supersede}); a merge counts the newest version the ledger holds as done, and
     * removes the others' partials then. Removed here, a merge before the ledger recorded this version done would
     * count the input in neither version.
     */
    private boolean publish(
            Split split, boolean partial, String name, Path staging, List<String> produced, CommitContext context)
            throws IOException, StaleClaimException, AttemptFailure {
        Optional<OutputKey> key = Optional.ofNullable(split.outputKey());
        Manifest manifest = Manifest.of(split, context.incarnation());
        Versions versions = new Versions(store);
        // the claim is checked under the locks: a wait for them does not widen the window between check and writes
        try (OutputLocks.Held held =
                        key.isPresent() ? context.lock(lockName(key.get().key())) : null;
                Lineage.Commit replaced = lineage.begin(manifest.incarnation(), manifest.inputs(), context)) {
            context.checkFence();
            if (key.isPresent()) {
                if (!context.inputsCurrent()) return false;
                versions.record(split, name, key.get());
            }
            // read before the last check: a writer paused after it finds the output changed, and writes nothing; it
            // removes only the other versions read here, never one that the lock's next holder committed meanwhile
            Target target = target(name, produced);
            Versions.Removal others = key.isEmpty()
                    ? () -> {}
                    : partial
                            ? versions.others(name, key.get(), older -> () -> supersede(older, name, key.get()))
                            : versions.others(name, key.get(), this::removal);
            if (held != null) held.check();
            if (partial) others.run();
            target.commit(staging, manifest, context.attempt() > 1);
            if (!partial) others.run();
            replaced.replace(name, manifest.inputs());
            return true;
        }
    }

    /**
     * Removes the split's committed files (of an attempt that failed once its commit had begun) and the staging of
     * attempts that crashed, under its output's commit lock, so that no commit of the split runs meanwhile.
     */
    @Override
    public void discard(Split split, CommitContext context) throws IOException, StaleClaimException {
        String name = outputName(split); // a split discarded is a first pack or a log's range: its id names it too
        String key = split.outputKey() == null ? split.id() : split.outputKey().key();
        try (OutputLocks.Held held = context.lock(lockName(key))) {
            context.checkFence();
            // the attempts so far: this one (its writer is closed) and older ones, never a newer claim's
            String attempts = name(split.id());
            long token = context.token();
            // read before the last check: a worker paused after it removes nothing the lock's next holder wrote
            Versions.Removal removal = removal(name);
            held.check();
            removeAbandoned(attempts, olderThan(attempts, token == UNFENCED ? UNFENCED : token + 1));
            removal.run();
        }
    }

    /**
     * What removing a committed output removes: its files, then its manifest, each in the version read here, by the
     * same read as a commit's ({@link #target}, {@link Target#remove}). Read before the last check of the output's
     * lock, so a worker paused after it removes nothing the lock's next holder wrote meanwhile (it fails instead).
     */
    private Versions.Removal removal(String name) throws IOException {
        return target(name, List.of())::remove;
    }

    /**
     * Removes {@code rel} only while it is the version a commit (or a removal) read before its last check of the lock:
     * another version is the lock's next holder's, written while this worker was paused.
     */
    private void removeRead(String rel, String version) throws IOException {
        try {
            store.delete(rel, version);
        } catch (ObjectChangedException e) {
            throw new ObjectChangedException(
                    rel,
                    store.describe(rel) + " was written by another commit of the same output while this one ran (this "
                            + "worker lost its lock): it was not removed");
        }
    }

    /**
     * Records that the partial {@code newer} supersedes {@code older}: always for a version named by a record (one
     * killed before it committed passes on what it superseded, whose record it removed), for the key's first version
     * (tried for every key: it needs no record) only when it committed anything.
     */
    private void supersede(String older, String newer, OutputKey key) throws IOException {
        if (!older.equals(name(key.key())) || store.stat(manifest(older)).isPresent())
            partialStore.supersede(older, newer);
    }

    /** Where the manifests of outputs are kept, one per output name. */
    static final String MANIFESTS = "_sluice/manifests/";

    static String manifest(String name) {
        return MANIFESTS + name + ".json";
    }

    /** What a commit found at its output before writing: the manifest's version and files, and each key's version. */
    private Target target(String name, List<String> produced) throws IOException {
        String key = manifest(name);
        boolean conditional = store.capabilities().conditionalWrites();
        Optional<String> version = conditional ? store.stat(key).map(StoredObject::version) : Optional.empty();
        // none there: nothing to read (one written meanwhile fails this commit's If-None-Match), and nothing killed
        // mid-upload (a commit writes its manifest before its first upload)
        Optional<Manifest> found = conditional && version.isEmpty()
                ? Optional.empty()
                : Manifest.read(store, key, version.orElse(null)); // its files are of the version read
        Set<String> previous = found.map(Manifest::files).orElse(Set.of());
        java.util.Map<String, String> versions = new java.util.HashMap<>();
        // a key no manifest lists holds nothing of Sluice's (a manifest lists every file before it is written): absent.
        // The files the output no longer produces too: each is removed only while it is the version read here
        for (String rel : conditional ? previous : Set.<String>of()) {
            store.stat(rel).ifPresent(o -> versions.put(rel, o.version()));
        }
        return new Target(key, conditional, version, found, produced, versions);
    }

    /**
     * One commit of an output: its manifest's key, and, read before the commit's last check of its claim, the
     * manifest's version and files and the version of each file the manifest lists (on a store with atomic conditional
     * writes: what each write and removal of the commit is conditional on).
     */
    private final class Target {
        private final String key;
        private final boolean conditional;
        private final Optional<String> version;
        /** The manifest read, empty when there was none. */
        private final Optional<Manifest> found;

        private final Set<String> previous;
        private final boolean interrupted;
        private final List<String> produced;
        private final java.util.Map<String, String> versions;

        Target(
                String key,
                boolean conditional,
                Optional<String> version,
                Optional<Manifest> found,
                List<String> produced,
                java.util.Map<String, String> versions) {
            this.key = key;
            this.conditional = conditional;
            this.version = version;
            this.found = found;
            this.previous = found.map(Manifest::files).orElse(Set.of());
            this.interrupted = found.map(Manifest::committing).orElse(false);
            this.produced = produced;
            this.versions = versions;
        }

        /**
         * Removes the output read: its files, then its manifest (none read: nothing to remove; a log's every range
         * looks for its key's first version this way, and a DELETE of what is absent is one more request each time).
         * Where the store's conditional writes are atomic, each only while it is the version read ({@link
         * #removeFile}). Called after the last check of the lock, which no commit of this output then runs under.
         */
        void remove() throws IOException {
            if (found.isEmpty()) return;
            // its commit was killed mid-upload: its unfinished uploads go too (no commit of it runs: its lock is held)
            if (interrupted) abandonUploads(List.copyOf(previous), null);
            for (String rel : previous) removeFile(rel);
            if (!conditional) store.delete(key);
            else removeRead(key, version.orElseThrow());
        }

        /**
         * Uploads the staged files to their keys, each an object replaced whole: a reader sees the earlier file or the
         * new one, never both, never half. The manifest first lists old and new files together, so a crash at any
         * point leaves every file of the output findable by the next attempt, which replaces or removes it; files the
         * output no longer produces are removed only once every new file is in place; the manifest that lists the new
         * files only is written last: the commit's record. Where the store's conditional writes are atomic, every
         * write and removal is conditional on what the commit read before its last check (If-Match / If-None-Match):
         * a writer paused past its lock's lease (a stale one) fails at its next write or removal instead of writing
         * over or removing the newer output; its manifest's last write is conditional everywhere, and when it fails so,
         * the files the commit wrote are removed again ({@link #lostManifest}).
         * A failed upload leaves no object, and what it left unfinished (a multipart upload) is aborted. What a killed
         * commit left unfinished is aborted first: under every key its manifest (still flagged as committing) lists,
         * whichever attempt, version or incarnation commits next; on a retry, under the keys this commit writes too.
         * Called after the last check of the claim and lock: a stale attempt must not abort the holder's uploads.
         *
         * @param retry a later attempt of the split (for outputs an older Sluice committed: its manifests carry no flag)
         */
        void commit(Path staging, Manifest manifest, boolean retry) throws IOException {
            Set<String> union = new LinkedHashSet<>(previous);
            union.addAll(produced);
            if (interrupted) abandonUploads(List.copyOf(union), null);
            else if (retry) abandonUploads(produced, null);
            StoredObject first = manifest.committing(union)
                    .write(
                            store,
                            key,
                            !conditional
                                    ? WriteCondition.none()
                                    : version.map(WriteCondition::ifVersion).orElse(WriteCondition.ifAbsent()));
            // this commit's files, by the version it wrote: removed again if its manifest is no longer its own
            Map<String, String> written = new java.util.LinkedHashMap<>();
            try {
                // moved, not copied, on a local disk: each attempt stages afresh, so nothing reads the staged file
                // again
                for (String rel : produced) {
                    written.put(
                            rel,
                            store.writeMoving(rel, staging.resolve(rel), condition(rel))
                                    .version());
                }
            } catch (IOException | RuntimeException e) {
                abandonUploads(produced, e);
                throw e;
            }
            List<String> stale =
                    previous.stream().filter(f -> !produced.contains(f)).toList();
            List<String> removed = new java.util.ArrayList<>();
            try {
                for (String f : stale) {
                    // a look at the manifest before each removal, not once before them all: a worker paused past its
                    // lock between two removals stops at the next look. The If-Match alone does not: on S3 the lock's
                    // next holder writing the file again with the same bytes gets the version read (the ETag is the
                    // content's MD5), which its removal would match
                    if (conditional) unchanged(first);
                    if (removeFile(f)) removed.add(f);
                }
                // conditional on a local folder too: checked there, not atomically, but a manifest the lock's next
                // holder removed or wrote while this worker was paused is seen
                manifest.withFiles(new LinkedHashSet<>(produced))
                        .write(store, key, WriteCondition.ifVersion(first.version()));
            } catch (ObjectChangedException e) {
                // a stale file written over, the manifest still this commit's: it lists every file for the next commit
                Optional<StoredObject> now = store.stat(key);
                if (now.isPresent() && now.get().version().equals(first.version())) throw e;
                throw lostManifest(written, removed, e);
            }
        }

        /**
         * The manifest is no longer this commit's: the lock's next holder removed it (as another version's output) or
         * wrote its own while this worker was paused past its lock. A file this commit wrote that no manifest names
         * then would stay beside the next holder's output for good: each is removed while it is the version this
         * commit wrote. One the manifest there now lists stays: its commit replaces or removes it, and the next
         * holder's write of the same bytes may have the same version (an S3 ETag is the content's MD5).
         *
         * <p>{@code stale}: the files this commit removed as ones its output no longer writes. One that the next
         * holder's committed manifest lists and that is gone was written again with the same bytes in the moment between
         * this commit's last look at the manifest and its removal (the one window no check closes): it is named in the
         * error, its output lacks it.
         */
        private ObjectChangedException lostManifest(
                Map<String, String> written, List<String> stale, ObjectChangedException cause) {
            int removed = 0;
            List<String> gone = new java.util.ArrayList<>();
            try {
                Optional<Manifest> now = Manifest.read(store, key);
                Set<String> named = now.map(Manifest::files).orElse(Set.of());
                for (var file : written.entrySet()) {
                    if (named.contains(file.getKey())) continue;
                    try {
                        store.delete(file.getKey(), file.getValue());
                        removed++;
                    } catch (ObjectChangedException nextHolders) {
                        // written over since: another commit's
                    }
                }
                // a manifest still committing lists files its commit has yet to write
                if (now.isPresent() && !now.get().committing()) {
                    for (String f : stale) {
                        if (named.contains(f) && store.stat(f).isEmpty()) gone.add(f);
                    }
                }
            } catch (IOException | RuntimeException e) {
                cause.addSuppressed(e);
            }
            ObjectChangedException lost = new ObjectChangedException(
                    key,
                    store.describe(key) + " was removed or written by another commit of the same output while this "
                            + "one ran (this worker lost its lock): nothing is committed, and the files this commit wrote "
                            + "that no manifest names now were removed again (" + removed + " of the " + written.size()
                            + " files); the output is the lock's next holder's to write"
                            + (gone.isEmpty()
                                    ? ""
                                    : ". But it removed "
                                            + gone.stream().map(store::describe).toList()
                                            + ", which the next holder's committed manifest lists: written again with the"
                                            + " bytes this commit read (the same version, an S3 ETag being the content's"
                                            + " MD5) just before its removal, so that output lacks those rows; commit its"
                                            + " input again (write a new version of it, or `sluice reset` the pipeline)"));
            lost.initCause(cause);
            return lost;
        }

        private WriteCondition condition(String rel) {
            if (!conditional) return WriteCondition.none();
            String v = versions.get(rel);
            return v == null ? WriteCondition.ifAbsent() : WriteCondition.ifVersion(v);
        }

        /**
         * A file of the output read (one it no longer produces, or all of them when it is removed): only the version
         * read, where the store's conditional writes are atomic (its deletes are then conditional too: S3, GCS and
         * Azure), so that a writer paused past its lock after {@link #unchanged} removes nothing the lock's next holder
         * wrote since (but one written with the same bytes: {@link #lostManifest}).
         *
         * @return whether it was removed
         */
        private boolean removeFile(String rel) throws IOException {
            if (!conditional) store.delete(rel);
            else if (versions.containsKey(rel)) removeRead(rel, versions.get(rel));
            else return false; // none was there when this commit read: nothing of its to remove
            return true;
        }

        /**
         * One look at the manifest before each removal: it must still be this commit's, else another writer took over
         * and this one removes nothing more.
         */
        private void unchanged(StoredObject first) throws IOException {
            Optional<StoredObject> now = store.stat(key);
            if (now.isEmpty() || !now.get().version().equals(first.version())) {
                throw new ObjectChangedException(
                        key,
                        store.describe(key) + " was written by another commit of the same "
                                + "output while this one ran (this worker lost its lock): it removes nothing more");
            }
        }
    }

    /**
     * Aborts what uploads of these keys left unfinished (a failed one, or a killed attempt's): only this split's keys,
     * and only uploads begun before now, so no other writer's. One search for all the keys where the store can (S3: one
     * ListMultipartUploads per 1000 open uploads, not one per file of a partitioned output). Failures are added to
     * {@code failure} when there is one.
     */
    private void abandonUploads(List<String> keys, Exception failure) throws IOException {
        if (keys.isEmpty()) return;
        try {
            store.abortIncompleteWrites(keys, Instant.now());
        } catch (IOException | RuntimeException e) {
            if (failure == null) throw e;
            failure.addSuppressed(e);
        }
    }

    /** The files every manifest lists that are there, then the {@code _sluice} folder. */
    @Override
    public List<String> listOutput() throws IOException {
        return output(false);
    }

    /**
     * Beside another pipeline's outputs: the outputs of no incarnation (merged results, an earlier Sluice's), which
     * may be either pipeline's.
     */
    @Override
    public List<String> outputLeft() throws IOException {
        if (lineage.otherPipelinesMarkers().isEmpty()) return List.of();
        List<String> left = new ArrayList<>();
        try (Stream<StoredObject> list = store.list(MANIFESTS, null)) {
            for (String manifest :
                    list.map(StoredObject::key).filter(k -> k.endsWith(".json")).toList()) {
                Optional<Manifest> m = Manifest.read(store, manifest);
                if (m.isEmpty() || m.get().incarnation() != null) continue;
                for (String rel : m.get().files()) {
                    left.add(store.describe(rel) + " (written by no incarnation: merged results, or an earlier "
                            + "Sluice's; the folder holds another pipeline's output too, so it may be its)");
                }
            }
        }
        return left;
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
        List<String> manifests;
        try (Stream<StoredObject> list = store.list(MANIFESTS, null)) {
            manifests =
                    list.map(StoredObject::key).filter(k -> k.endsWith(".json")).toList();
        }
        // another pipeline's outputs in the same folder are not this pipeline's; an output of no incarnation (merged
        // results, an earlier Sluice's) may be either's
        Set<String> theirs = lineage.otherPipelinesMarkers();
        for (String manifest : manifests) {
            Optional<Manifest> m = Manifest.read(store, manifest);
            String incarnation = m.map(Manifest::incarnation).orElse(null);
            if (!theirs.isEmpty() && (incarnation == null || theirs.contains(Lineage.marker(incarnation)))) continue;
            for (String rel : m.map(Manifest::files).orElse(Set.of())) {
                if (store.stat(rel).isEmpty() || !listed.add(store.describe(rel)) || !delete) continue;
                store.delete(rel);
                if (root != null) removeEmptyFolders(root.resolve(rel).getParent());
            }
            if (delete) store.delete(manifest);
        }
        List<String> bookkeeping;
        try (Stream<StoredObject> list = store.list("_sluice/", null)) {
            bookkeeping = list.map(StoredObject::key).toList();
        }
        if (!theirs.isEmpty()) {
            // the bookkeeping is shared with the other pipeline: only this pipeline's markers go
            for (String key : bookkeeping) {
                if (!key.startsWith(Lineage.MARKERS) || theirs.contains(key.substring(Lineage.MARKERS.length())))
                    continue;
                listed.add(store.describe(key));
                if (delete) store.delete(key);
            }
            return List.copyOf(listed);
        }
        if (!bookkeeping.isEmpty() || (root != null && Files.exists(root.resolve("_sluice")))) {
            listed.add(root != null ? root.resolve("_sluice") + java.io.File.separator : store.describe("_sluice/"));
            if (delete) {
                for (String key : bookkeeping) store.delete(key);
                store.abortIncompleteWrites("", Instant.now());
                if (root != null) Folders.deleteTree(root.resolve("_sluice"));
            }
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

    /** The token of a write no claim fences: tests and tools. */
    private static final long UNFENCED = 0;

    /** Held while a temp staging root is made and used, or removed: every sink of the process shares the temp folder. */
    private static final Object STAGING_ROOTS = new Object();

    /** A merge's staging untouched this long was left by a merge that crashed: none takes this long. */
    static final Duration ABANDONED_MERGE = Duration.ofHours(1);

    /**
     * A fresh staging folder for an attempt at this output, {@code NAME-tTOKEN-RANDOM}, once those of its older attempts
     * are removed. Only older: an attempt whose claim went stale without its knowing (it waited out a ledger outage,
     * say) still stages, and must not remove the staged rows of the attempt that took its claim over, which would then
     * commit without them. Tokens grow with every claim of a split, so a newer attempt's folder always stays; an
     * unfenced write removes every earlier one.
     */
    Path newAttemptStaging(String name, long token) throws IOException {
        return newStaging(name + "-t" + token + "-", olderThan(name, token), name);
    }

    /**
     * A fresh staging folder {@code PREFIX-RANDOM}, once the folders of {@code name} that are {@code abandoned} are
     * removed. The staging root is made again when another attempt or run on this machine removed it, empty, meanwhile
     * ({@link #removeStagingRootIfEmpty}).
     */
    private Path newStaging(String prefix, Predicate<Path> abandoned, String name) throws IOException {
        removeAbandoned(name, abandoned);
        for (int tries = 1; ; tries++) {
            try {
                synchronized (STAGING_ROOTS) { // no worker of this process removes the root between these two
                    Files.createDirectories(stagingRoot);
                    return Files.createTempDirectory(stagingRoot, prefix);
                }
            } catch (java.nio.file.NoSuchFileException | java.nio.file.FileAlreadyExistsException removedMeanwhile) {
                // by another process's attempt or finish; createDirectories says "exists" of a root it found there,
                // then saw gone
                if (tries == 5) throw removedMeanwhile;
            }
        }
    }

    @Override
    public void finish() {
        removeStagingRootIfEmpty();
    }

    /**
     * Removes the temp staging folder of an object store (and the {@code sluice-staging} folder above it) when empty,
     * after each attempt and at the end of a run: one per bucket and prefix written would pile up in the temp folder
     * otherwise, also from a sink that is never finished (a test's). A local store's staging stays in its
     * {@code _sluice} folder with the rest of the sink's bookkeeping.
     */
    private void removeStagingRootIfEmpty() {
        if (root != null) return;
        synchronized (STAGING_ROOTS) {
            for (Path folder : List.of(stagingRoot, stagingRoot.getParent())) {
                try {
                    Files.deleteIfExists(folder);
                } catch (IOException notEmpty) {
                    return; // another run's staging, or a crashed attempt's that the split's next attempt removes
                }
            }
        }
    }

    /** Removes the staging folders of {@code name} that are {@code abandoned}. */
    private void removeAbandoned(String name, Predicate<Path> abandoned) throws IOException {
        try (Stream<Path> dirs = Files.list(stagingRoot)) {
            for (Path d : dirs.filter(d -> d.getFileName().toString().startsWith(name + "-"))
                    .toList()) {
                try {
                    if (abandoned.test(d)) Folders.deleteTree(d);
                } catch (IOException | java.io.UncheckedIOException e) {
                    // best effort: another attempt may be removing it at the same moment; readers never see staging
                }
            }
        } catch (java.nio.file.NoSuchFileException removedEmpty) {
            // by another run's finish: no attempt left anything there
        }
    }

    /**
     * Folders {@code name-tTOKEN-RANDOM} of attempts whose token is below {@code token}: attempts that crashed or lost
     * their claim (a folder with no token, an older Sluice's, counts as 0); every folder of it for an unfenced write.
     */
    private static Predicate<Path> olderThan(String name, long token) {
        if (token == UNFENCED) return d -> true;
        return d -> {
            String rest = d.getFileName().toString().substring(name.length() + 1);
            int dash = rest.indexOf('-');
            if (!rest.startsWith("t") || dash < 2) return true;
            try {
                return Long.parseLong(rest.substring(1, dash)) < token;
            } catch (NumberFormatException e) {
                return true;
            }
        };
    }

    /** Folders untouched for {@code age}; a folder gone meanwhile is not. */
    private static Predicate<Path> untouchedFor(Duration age) {
        Instant before = Instant.now().minus(age);
        return d -> {
            try {
                return Files.getLastModifiedTime(d).toInstant().isBefore(before);
            } catch (IOException gone) {
                return false;
            }
        };
    }

    /**
     * The ledger lock of an output key, held while a version of it commits: the ledger's, so that two versions of one
     * output never commit at once, from any machine.
     */
    static String lockName(String key) {
        return "files-output:" + hash(key);
    }

    /**
     * The name of a split's output: with an {@link OutputKey}, that of the key (and range), so that every version of
     * an input writes the same keys and a reader listing the prefix sees one version or the other, never both;
     * without one, the split id's. For a whole input (a file, a pack) it is the name that earlier Sluice versions gave the
     * first version, whose split id is the key, so those outputs are replaced in place.
     */
    static String outputName(Split split) {
        OutputKey key = split.outputKey();
        if (key == null) return name(split.id());
        if (key.start() == 0 && key.end() == io.sluice.spi.Member.WHOLE) return name(key.key());
        return name(key.key() + "\0" + key.start() + "-" + key.end()); // \0: never in a key, so never a whole's name
    }

    /** The output name of a split id, or of a whole input's key. */
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
