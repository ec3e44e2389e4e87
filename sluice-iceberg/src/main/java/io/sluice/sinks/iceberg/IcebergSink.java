package io.sluice.sinks.iceberg;

import io.sluice.config.DuckConnections;
import io.sluice.spi.AttemptFailure;
import io.sluice.spi.Digests;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import io.sluice.spi.Sql;
import io.sluice.spi.StaleClaimException;
import io.sluice.spi.sink.BadRows;
import io.sluice.spi.sink.ColumnCheck;
import io.sluice.spi.sink.CommitContext;
import io.sluice.spi.sink.FileSpec;
import io.sluice.spi.sink.OutputLocks;
import io.sluice.spi.sink.Rows;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkWriter;
import io.sluice.spi.sink.WriteContext;
import io.sluice.spi.sink.Written;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.ManifestReader;
import org.apache.iceberg.OverwriteFiles;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotUpdate;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.mapping.MappingUtil;
import org.apache.iceberg.mapping.NameMappingParser;
import org.apache.iceberg.types.Conversions;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * An Apache Iceberg table as a sink: a split's rows become Parquet data files (written by the engine, DuckDB) that one
 * snapshot adds, so a reader sees all of them or none. Exactly once the way Flink's Iceberg committer does it: the
 * snapshot's summary holds the pipeline, the split id and the claim's token, and every commit attempt first looks
 * through the table's snapshots for the split (docs/sinks/iceberg.md):
 *
 * <ul>
 *   <li>committed under a newer token: this writer's claim was taken over, {@link StaleClaimException};
 *   <li>{@code append}: committed under the same or an older token (a replay after a crash between commit and the
 *       ledger's record) by the same version of the pipeline: nothing is added again, the earlier commit stands; by
 *       another version (a rebuild after the steps changed), the new snapshot replaces the split's earlier files;
 *   <li>{@code overwrite}: the new snapshot deletes the data files that the split's earlier snapshots (and those of
 *       the other versions of its output key) added, and adds its own.
 * </ul>
 *
 * The look happens inside the catalog's compare-and-swap ({@link Guarded}): Iceberg retries a commit that lost a race
 * on a newer table version, and the check runs again on that version, so two writers of one split never both add.
 */
final class IcebergSink implements Sink {
    static final String PIPELINE = "sluice.pipeline";
    static final String SPLIT = "sluice.split-id";
    static final String TOKEN = "sluice.token";
    static final String INCARNATION = "sluice.incarnation";
    static final String PIPELINE_VERSION = "sluice.pipeline-version";
    static final String KEY = "sluice.output-key";
    static final String VERSION = "sluice.output-version";
    static final String RANGE = "sluice.output-range";
    static final String LOCK_TOKEN = "sluice.lock-token";
    static final String DISCARDED = "sluice.discarded-split";
    static final String DELETED_OUTPUT = "sluice.deleted-output";

    private final String pipeline;
    private final TableIdentifier id;
    private final Map<String, String> properties;
    private final List<String> partitionBy;
    private final boolean overwrite;
    private final Path base;
    private final io.sluice.config.Options options;
    /** Which splits' files the table's manifests hold, kept across this sink's commits: about 20 MB at most. */
    private final ManifestNames manifestNames;

    private Catalog catalog;

    IcebergSink(
            String pipeline,
            TableIdentifier id,
            Map<String, String> properties,
            List<String> partitionBy,
            boolean overwrite,
            Path base,
            io.sluice.config.Options options) {
        this.options = options;
        this.pipeline = pipeline;
        this.manifestNames = new ManifestNames(DataFileName.pipelineHash(pipeline), 50_000);
        this.id = id;
        this.properties = Map.copyOf(properties);
        this.partitionBy = List.copyOf(partitionBy);
        this.overwrite = overwrite;
        this.base = base;
    }

    // ---- lifecycle ---------------------------------------------------------------------------------------

    @Override
    public void check() {
        for (Path folder : localFolders()) {
            Path existing = folder;
            while (existing != null && !Files.exists(existing)) existing = existing.getParent();
            if (existing != null && !Files.isDirectory(existing)) {
                throw options.problem(
                        "catalog",
                        existing + " is a file, not a folder; the catalog's warehouse (and a SQLite catalog's file) "
                                + "must be in a folder: give another path");
            }
            if (existing != null && !Files.isWritable(existing)) {
                throw options.problem(
                        "catalog", "cannot write in the folder " + existing + "; give a folder this user can write");
            }
            if (existing == null || (!existing.equals(folder) && !folder.startsWith(base))) {
                throw options.problem(
                        "catalog",
                        "the folder " + folder + " does not exist, nor its parent; create it, or check the path for "
                                + "a typo");
            }
        }
    }

    /** The local folders the catalog needs: the SQLite file's and the warehouse, when local. */
    private List<Path> localFolders() {
        List<Path> out = new ArrayList<>();
        String uri = properties.getOrDefault(CatalogProperties.URI, "");
        if (uri.startsWith("jdbc:sqlite:/")) {
            String file = uri.substring("jdbc:sqlite:".length()).replaceFirst("\\?.*", "");
            out.add(Path.of(file).getParent());
        }
        localWarehouse().ifPresent(out::add);
        return out;
    }

    private Optional<Path> localWarehouse() {
        String warehouse = properties.get(CatalogProperties.WAREHOUSE_LOCATION);
        if (warehouse == null || warehouse.isEmpty()) return Optional.empty();
        if (warehouse.startsWith("/") || warehouse.startsWith("file:")) return Optional.of(LocalFileIO.path(warehouse));
        return Optional.empty();
    }

    @Override
    public void prepare() throws IOException {
        for (Path folder : localFolders()) Files.createDirectories(folder);
        removeAbandonedStaging();
        try {
            catalog();
        } catch (RuntimeException e) {
            // Iceberg says only "Failed to connect: <uri>"; why is in its cause
            String why = e.getCause() != null && e.getCause().getMessage() != null
                    ? e.getCause().getMessage()
                    : String.valueOf(e.getMessage());
            String type = properties.getOrDefault("type", "custom");
            // a catalog without a uri (a warehouse alone) fails on its other options, not on a server
            String check = properties.containsKey(CatalogProperties.URI)
                    ? "check catalog.uri (and the user and password it needs), and that the catalog's database or "
                            + "server runs and is reachable from here"
                    : "check the catalog's options (warehouse, and those its type needs)";
            var problem = options.problem("catalog", "cannot open the " + type + " catalog: " + why + "; " + check);
            problem.initCause(e); // the driver's stack, for the logs and a program that embeds Sluice
            throw problem;
        }
    }

    /** Names a staging folder's process: {@code @host@pid@}, between the split's hash and the attempt's id. */
    private static final String OWNER =
            "@" + host() + "@" + ProcessHandle.current().pid() + "@";

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName().replace('@', '_');
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    /**
     * Removes what attempts killed on this machine left in the staging folder: the folders of this host whose process
     * is gone (a live process's attempt, or another machine's on a shared disk, is left alone).
     */
    private void removeAbandonedStaging() {
        Path root = localWarehouse().map(w -> w.resolve(STAGING)).orElse(null);
        if (root == null || !Files.isDirectory(root)) return;
        String host = "@" + host() + "@";
        try (Stream<Path> folders = Files.list(root)) {
            for (Path f : folders.toList()) {
                String name = f.getFileName().toString();
                int at = name.indexOf(host);
                if (at < 0) continue;
                String rest = name.substring(at + host.length());
                int end = rest.indexOf('@');
                if (end < 0) continue;
                long pid;
                try {
                    pid = Long.parseLong(rest.substring(0, end));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue;
                removeTree(f);
            }
        } catch (IOException | UncheckedIOException e) {
            // left for the next run; no reader looks there
        }
    }

    /** The catalog, opened once per sink (its connection pool is shared by the writers). */
    synchronized Catalog catalog() {
        if (catalog == null) {
            Map<String, String> props = new LinkedHashMap<>(properties);
            String name = props.remove("name");
            catalog = open(name == null ? "sluice" : name, props);
            if (catalog instanceof SupportsNamespaces namespaces && !namespaces.namespaceExists(id.namespace())) {
                try {
                    namespaces.createNamespace(id.namespace());
                } catch (RuntimeException e) {
                    // made by another worker meanwhile (the JDBC catalog says so with a constraint's error)
                    if (!namespaces.namespaceExists(id.namespace())) throw e;
                }
            }
        }
        return catalog;
    }

    /**
     * Opens the catalog; tried again when the first opening fails, as it does when several workers set up a new JDBC
     * catalog's tables at once (the loser's CREATE or ALTER TABLE fails; the next try finds them made).
     */
    private static Catalog open(String name, Map<String, String> props) {
        for (int attempt = 1; ; attempt++) {
            try {
                return CatalogUtil.buildIcebergCatalog(name, props, null);
            } catch (RuntimeException e) {
                if (attempt >= 3) throw e;
                try {
                    Thread.sleep(100L * attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Each {@code partition_by} column must be a column of the rows the steps give. */
    @Override
    public Optional<ColumnCheck> columnCheck() {
        return ColumnCheck.eachOf(partitionBy, false, options, "partition_by");
    }

    @Override
    public synchronized void finish() {
        localWarehouse().map(w -> w.resolve(STAGING)).ifPresent(IcebergSink::removeIfEmpty);
        if (catalog instanceof Closeable closeable) {
            try {
                closeable.close();
            } catch (IOException e) {
                // best effort: the run is over
            }
        }
        catalog = null;
    }

    @Override
    public SinkWriter open(Split split, WriteContext context) {
        return new Writer(split, context.scratch());
    }

    /**
     * Removes what the split's commits added (one snapshot deleting their data files, its summary naming the split as
     * discarded, so that a later split of the same id counts as new), under the fence.
     */
    @Override
    public void discard(Split split, CommitContext context) throws Exception {
        context.checkFence();
        Table table;
        try {
            table = catalog().loadTable(id);
        } catch (NoSuchTableException e) {
            return;
        }
        TableMetadata current = ((HasTableOperations) table).operations().current();
        List<Snapshot> earlier = history(current, s -> mine(s, split.id()));
        DataFileName name = DataFileName.of(pipeline, split);
        List<DataFile> unrecorded = unrecorded(table, current, earlier, n -> n.sameSplit(name));
        if (earlier.isEmpty() && unrecorded.isEmpty()) return;
        Table guarded = guarded(table, base -> {
            List<Snapshot> now = history(base, s -> mine(s, split.id()));
            if (!now.isEmpty() && newer(now.getLast(), TOKEN, context.token(), context)) {
                throw new StaleClaimException(split.id(), context.token());
            }
            context.checkFence();
        });
        var delete = guarded.newDelete();
        for (Snapshot s : earlier) {
            for (DataFile f : added(table, s)) delete.deleteFile(f.location());
        }
        unrecorded.forEach(f -> delete.deleteFile(f.location()));
        delete.set(PIPELINE, pipeline)
                .set(SPLIT, split.id())
                .set(TOKEN, Long.toString(context.token()))
                .set(DISCARDED, split.id());
        if (context.incarnation() != null) delete.set(INCARNATION, context.incarnation());
        commitUnwrapped(delete);
    }

    /**
     * Whether the snapshot's token (a claim's, or an output lock grant's, under {@code tokenKey}) is newer than this one
     * ({@link CommitContext#newer}): the fence check runs right before the compare-and-swap.
     */
    private static boolean newer(Snapshot s, String tokenKey, long token, CommitContext context) {
        return CommitContext.newer(
                Long.parseLong(s.summary().getOrDefault(tokenKey, "0")),
                s.summary().get(INCARNATION),
                token,
                context.incarnation());
    }

    /**
     * The rows of the live data files this pipeline's snapshots added, as one line for the table (its data files are
     * not removed: a new snapshot deletes them from the table, and its earlier snapshots still list them), and its bad
     * records' files.
     */
    @Override
    public List<String> listOutput() throws Exception {
        List<String> out = new ArrayList<>();
        Optional<Table> table = loaded();
        if (table.isPresent()) rowsOf(ours(table.get())).ifPresent(out::add);
        out.addAll(deadLetterFiles().stream().map(Path::toString).toList());
        return out;
    }

    /**
     * Removes what {@link #listOutput} lists: one snapshot deleting the data files from the table (its summary says so,
     * and the commits before it no longer count as the pipeline's: a split run again after a reset is added anew), then
     * the bad records' files. The table stays, and so do the data files, for its earlier snapshots.
     */
    @Override
    public List<String> deleteOutput() throws Exception {
        List<String> removed = new ArrayList<>();
        Optional<Table> table = loaded();
        if (table.isPresent()) {
            List<DataFile> files = ours(table.get());
            var delete = table.get().newDelete();
            files.forEach(delete::deleteFile);
            delete.set(PIPELINE, pipeline).set(DELETED_OUTPUT, "true").commit();
            rowsOf(files).ifPresent(removed::add);
        }
        for (Path p : deadLetterFiles()) {
            Files.deleteIfExists(p);
            removed.add(p.toString());
        }
        return removed;
    }

    /**
     * What deleting these data files does, as {@code sluice reset} prints it after "removed" or "would remove": Iceberg
     * keeps a deleted file for the snapshots that list it, so the rows go, not the files.
     */
    private Optional<String> rowsOf(List<DataFile> files) {
        if (files.isEmpty()) return Optional.empty();
        long rows = files.stream().mapToLong(DataFile::recordCount).sum();
        return Optional.of("the " + rows + " row(s) of " + files.size() + " data file(s) from the table " + id
                + " (in a new snapshot; the files stay on disk for the table's earlier snapshots, time travel, until "
                + "you expire those snapshots in your engine, e.g. Spark's CALL system.expire_snapshots)");
    }

    private Optional<Table> loaded() {
        try {
            return Optional.of(catalog().loadTable(id));
        } catch (NoSuchTableException e) {
            return Optional.empty();
        }
    }

    /** The data files of the table's current version that this pipeline's snapshots added. */
    private List<DataFile> ours(Table table) throws IOException {
        // a table without a current version (new, or replaced) holds nothing: its snapshots' manifests go unread
        if (table.currentSnapshot() == null) return List.of();
        java.util.Set<String> theirs = new java.util.HashSet<>();
        for (Snapshot s : history(
                ((HasTableOperations) table).operations().current(),
                s -> pipeline.equals(s.summary().get(PIPELINE)))) {
            for (DataFile f : added(table, s)) theirs.add(f.location());
        }
        // and those whose snapshots were expired, by their names
        String me = DataFileName.pipelineHash(pipeline);
        List<DataFile> out = new ArrayList<>();
        try (var tasks = table.newScan().planFiles()) {
            for (var task : tasks) {
                String location = task.file().location();
                if (theirs.contains(location)
                        || DataFileName.parse(location)
                                .filter(n -> n.pipeline().equals(me))
                                .isPresent()) out.add(task.file());
            }
        }
        return out;
    }

    private List<Path> deadLetterFiles() throws IOException {
        Path folder = deadLetters();
        if (!Files.isDirectory(folder)) return List.of();
        try (Stream<Path> files = Files.list(folder)) {
            return files.sorted().toList();
        }
    }

    // ---- the table -----------------------------------------------------------------------------------------

    /**
     * The table, created from the rows' columns (a commit creates it: staging changes nothing in the catalog); fails
     * naming a column the table cannot take.
     */
    private Table create(Map<String, Type> columns) throws AttemptFailure {
        Schema schema = new Schema(columnsOf(columns));
        PartitionSpec.Builder spec = PartitionSpec.builderFor(schema);
        for (String p : partitionBy) spec.identity(p);
        try {
            catalog()
                    .buildTable(id, schema)
                    .withPartitionSpec(spec.build())
                    .withProperty(
                            TableProperties.DEFAULT_NAME_MAPPING, NameMappingParser.toJson(MappingUtil.create(schema)))
                    .withProperty(TableProperties.FORMAT_VERSION, "2")
                    .create();
        } catch (AlreadyExistsException raced) {
            // created by another writer meanwhile: checked below like any existing table
        }
        return existing(columns).orElseThrow(() -> new NoSuchTableException("the table %s was dropped", id));
    }

    /**
     * The table when it exists, checked against the rows' columns. A mismatch fails the same way at every attempt
     * (until the user changes the table or the steps): the split is dead at once, not retried.
     */
    private Optional<Table> existing(Map<String, Type> columns) throws AttemptFailure {
        Table table;
        try {
            table = catalog().loadTable(id);
        } catch (NoSuchTableException missing) {
            return Optional.empty();
        }
        Schema schema = table.schema();
        for (var column : columns.entrySet()) {
            Types.NestedField field = schema.findField(column.getKey());
            Types.NestedField otherCase = schema.caseInsensitiveFindField(column.getKey());
            if (field == null && otherCase != null) {
                // Iceberg's names are case-sensitive: a reader would not find the file's column under the table's name
                throw new AttemptFailure(
                        "the table " + id + " has no column " + column.getKey() + " but " + otherCase.name()
                                + " (names differ by case); rename it in a sql step: " + ident(column.getKey()) + " AS "
                                + ident(otherCase.name()),
                        false);
            }
            if (field == null) {
                throw new AttemptFailure(
                        "the table " + id + " has no column " + column.getKey()
                                + "; add it to the table (ALTER TABLE " + id + " ADD COLUMN " + column.getKey() + " "
                                + column.getValue() + "), or leave it out of the rows with a select step",
                        false);
            }
            if (!IcebergTypes.fits(column.getValue(), field.type())) {
                throw new AttemptFailure(
                        "the column " + column.getKey() + " is " + column.getValue() + " in the rows but "
                                + field.type() + " in the table " + id + "; cast it in a sql step",
                        false);
            }
        }
        for (Types.NestedField field : schema.columns()) {
            if (field.isRequired() && !columns.isEmpty() && !columns.containsKey(field.name())) {
                // readers refuse a data file without it ("Missing required field")
                throw new AttemptFailure(
                        "the table " + id + " requires the column " + field.name() + ", which the rows lack; give it "
                                + "a value in a sql step (... AS " + ident(field.name()) + ")",
                        false);
            }
        }
        if (!partitionBy.isEmpty() && !identityColumns(table).equals(partitionBy)) {
            throw new AttemptFailure(
                    "sink.iceberg.partition_by: the table " + id + " is partitioned by "
                            + table.spec() + ", not by " + partitionBy + "; write the table's own columns or leave "
                            + "partition_by out",
                    false);
        }
        if (table.properties().get(TableProperties.DEFAULT_NAME_MAPPING) == null) {
            // the data files carry no field ids: readers map their columns by name
            table.updateProperties()
                    .set(TableProperties.DEFAULT_NAME_MAPPING, NameMappingParser.toJson(MappingUtil.create(schema)))
                    .commit();
        }
        return Optional.of(table);
    }

    private static List<Types.NestedField> columnsOf(Map<String, Type> columns) {
        List<Types.NestedField> fields = new ArrayList<>();
        int i = 1;
        for (var c : columns.entrySet()) fields.add(Types.NestedField.optional(i++, c.getKey(), c.getValue()));
        return fields;
    }

    /** The source columns of the table's partition spec, which must all be identity transforms. */
    private List<String> identityColumns(Table table) throws AttemptFailure {
        List<String> out = new ArrayList<>();
        for (PartitionField f : table.spec().fields()) {
            if (!f.transform().isIdentity()) {
                throw new AttemptFailure(
                        "the table " + id + " is partitioned by " + table.spec()
                                + "; the iceberg sink writes identity partitions only (docs/sinks/iceberg.md)",
                        false);
            }
            out.add(table.schema().findColumnName(f.sourceId()));
        }
        return out;
    }

    /**
     * The live data files, named as {@code which} says, that none of {@code recorded} added: those of the snapshots that
     * were expired (their summaries, which said whose they were, gone). Looked for only when the table lost snapshots.
     * Which names each manifest holds is read once per sink ({@link ManifestNames}: manifests never change), so a commit
     * reads the manifests new since the last one, and reads whole only those holding such a name (the few that its
     * commit rewrites anyway, to delete them). Cheaper than skipping manifests by who wrote them: a merge of manifests,
     * {@code rewrite_manifests} or a cherry-pick carries a split's files into manifests of snapshots that never named
     * it.
     */
    private List<DataFile> unrecorded(
            Table table,
            TableMetadata metadata,
            List<Snapshot> recorded,
            java.util.function.Predicate<DataFileName> which)
            throws IOException {
        if (metadata.currentSnapshot() == null || !expired(metadata)) return List.of();
        FileIO io = table.io();
        java.util.Set<String> known = null;
        List<DataFile> out = new ArrayList<>();
        for (ManifestFile manifest : metadata.currentSnapshot().dataManifests(io)) {
            // as a scan plans: a manifest of deleted entries only holds no live file
            if (!manifest.hasAddedFiles() && !manifest.hasExistingFiles()) continue;
            if (manifestNames.of(manifest, io, metadata.specsById()).stream().noneMatch(which)) continue;
            if (known == null) {
                known = new java.util.HashSet<>();
                for (Snapshot s : recorded) for (DataFile f : added(table, s)) known.add(f.location());
            }
            try (ManifestReader<DataFile> files = ManifestFiles.read(manifest, io, metadata.specsById())) {
                for (DataFile f : files) {
                    String location = f.location();
                    if (!known.contains(location)
                            && DataFileName.parse(location).filter(which).isPresent()) out.add(f.copy());
                }
            }
        }
        return out;
    }

    /** Whether snapshots of the table were expired: one's parent is gone. */
    private static boolean expired(TableMetadata metadata) {
        for (Snapshot s : metadata.snapshots()) {
            if (s.parentId() != null && metadata.snapshot(s.parentId()) == null) return true;
        }
        return false;
    }

    /** The data files a snapshot added (read from its manifests, with the table's partition specs). */
    private static Iterable<DataFile> added(Table table, Snapshot s) {
        return org.apache.iceberg.SnapshotChanges.builderFor(table)
                .snapshot(s)
                .build()
                .addedDataFiles();
    }

    /** The snapshots of a table version that match, oldest first. */
    private List<Snapshot> history(TableMetadata metadata, java.util.function.Predicate<Snapshot> which) {
        // in commit order (a v1 table has no sequence numbers); what came before a deleteOutput is forgotten
        List<Snapshot> all = metadata.snapshots();
        int from = 0;
        for (int i = 0; i < all.size(); i++) {
            Map<String, String> summary = all.get(i).summary();
            if (pipeline.equals(summary.get(PIPELINE)) && summary.containsKey(DELETED_OUTPUT)) from = i + 1;
        }
        return all.subList(from, all.size()).stream().filter(which).toList();
    }

    private boolean mine(Snapshot s, String split) {
        return pipeline.equals(s.summary().get(PIPELINE))
                && split.equals(s.summary().get(SPLIT));
    }

    /** Whether the snapshot committed an output that this key's commit replaces: another version, another cut. */
    private boolean replacedBy(Snapshot s, OutputKey key) {
        Map<String, String> summary = s.summary();
        if (!pipeline.equals(summary.get(PIPELINE)) || !key.key().equals(summary.get(KEY))) return false;
        String[] range =
                summary.getOrDefault(RANGE, "0-" + io.sluice.spi.Member.WHOLE).split("-", 2);
        OutputKey theirs = new OutputKey(
                key.key(), summary.getOrDefault(VERSION, ""), Long.parseLong(range[0]), Long.parseLong(range[1]));
        return !theirs.sibling(key);
    }

    /** Checks a table version right before the catalog's compare-and-swap onto it. */
    @FunctionalInterface
    interface Check {
        void onto(TableMetadata base) throws Exception;
    }

    /** The table with {@code check} run on the version each commit attempt builds on, inside that attempt. */
    private static Table guarded(Table table, Check check) {
        TableOperations ops = ((HasTableOperations) table).operations();
        return new BaseTable(new Guarded(ops, check), table.name());
    }

    /** Commits, unwrapping what a {@link Check} threw. */
    private static void commitUnwrapped(SnapshotUpdate<?> update) throws Exception {
        try {
            update.commit();
        } catch (Refused r) {
            throw r.reason;
        }
    }

    /** What a check threw, carried through Iceberg's commit (which declares no checked exception, and retries none). */
    static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient Exception reason;

        Refused(Exception reason) {
            super(reason.getMessage(), reason, false, false);
            this.reason = reason;
        }
    }

    /** The split's commit was made meanwhile by another attempt (same or older token): append adds nothing. */
    static final class AlreadyCommitted extends Exception {
        private static final long serialVersionUID = 1L;
        final transient Snapshot snapshot;

        AlreadyCommitted(Snapshot snapshot) {
            super("already committed in snapshot " + snapshot.snapshotId(), null, false, false);
            this.snapshot = snapshot;
        }
    }

    /** Another commit of the split or its output key landed since the deletes were chosen: choose again. */
    static final class Moved extends Exception {
        private static final long serialVersionUID = 1L;

        Moved() {
            super("the split's output changed meanwhile", null, false, false);
        }
    }

    private record Guarded(TableOperations ops, Check check) implements ForwardingTableOperations {
        @Override
        public void commit(TableMetadata base, TableMetadata metadata) {
            try {
                check.onto(base);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new Refused(e);
            }
            ops.commit(base, metadata);
        }
    }

    // ---- staging -------------------------------------------------------------------------------------------

    static final String STAGING = "_sluice_staging";
    static final String DEAD_LETTER = "_sluice_dead_letter";

    /**
     * Where a split's attempt stages: beside the warehouse when local (a rename moves the files), else in the attempt's
     * scratch folder (the files are uploaded), which the framework removes even after a kill.
     */
    private Path stagingRoot(Path scratch) throws IOException {
        Optional<Path> warehouse = localWarehouse();
        return warehouse.isPresent() ? Files.createDirectories(warehouse.get().resolve(STAGING)) : scratch;
    }

    private Path deadLetters() {
        return localWarehouse().orElse(base).resolve(DEAD_LETTER).resolve(id.toString());
    }

    /** A staged data file: where the engine wrote it, its rows, its partition's values. */
    private record Staged(Path file, long rows, List<Object> partition) {}

    private static String hash(String s) {
        return Digests.sha256Hex(s, 20);
    }

    private static void removeIfEmpty(Path folder) {
        try {
            Files.deleteIfExists(folder);
        } catch (IOException e) {
            // not empty (another run stages), or gone
        }
    }

    private static void removeTree(Path folder) {
        if (folder == null || !Files.exists(folder)) return;
        try (Stream<Path> all = Files.walk(folder)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + folder, e);
        }
    }

    private static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    // ---- one attempt ----------------------------------------------------------------------------------------

    private final class Writer implements SinkWriter {
        private final Split split;
        /** The attempt's scratch folder, where the files are staged when the warehouse is not on local disk. */
        private final Path scratch;

        private final String attemptId = UUID.randomUUID().toString();
        private Path staging;
        private final List<Staged> staged = new ArrayList<>();
        private Path dead;
        private Table table;
        private Map<String, Type> columns;
        /** The table columns the staged files hold, or hold as NULL (all the table had when they were staged). */
        private java.util.Set<String> covered = java.util.Set.of();
        /** The {@code FIELD_IDS} option of the staged files' COPY, when they carry the table's field ids, or "". */
        private String fieldIds = "";

        private List<String> parts;
        private boolean done;

        Writer(Split split, Path scratch) {
            this.split = split;
            this.scratch = scratch;
        }

        @Override
        public long stage(Rows rows, BadRows bad) throws Exception {
            staging = stagingRoot(scratch).resolve(hash(split.id()) + OWNER + attemptId);
            Files.createDirectories(staging);
            Path whole = staging.resolve("rows.parquet");
            long n = rows.writeFiles(whole, FileSpec.parquet("rows"));
            Optional<Rows> rejects = bad.rows();
            if (rejects.isPresent()) {
                dead = staging.resolve("dead.jsonl");
                rejects.get().writeFiles(dead, new FileSpec("jsonl", "none", List.of(), "dead"));
            }
            if (rows.columns().isEmpty()) { // a split of empty files (Rows.NONE): no file, no column
                columns = Map.of();
                table = existing(columns).orElse(null);
                parts = table == null ? partitionBy : identityColumns(table);
                return n;
            }
            // a DuckDB of the sink's own, to read the staged files' schema and cut them by partition
            try (Connection c = DuckConnections.open()) {
                columns = types(c, whole);
                table = existing(columns).orElse(null);
                if (table != null) {
                    refuseNulls(c, whole, table.schema());
                    withEveryColumn(c, whole, table.schema());
                }
                covered = new java.util.HashSet<>(columns.keySet());
                if (table != null) table.schema().columns().forEach(f -> covered.add(f.name()));
                parts = table == null ? partitionBy : identityColumns(table);
                if (parts.isEmpty()) {
                    if (n > 0) staged.add(new Staged(whole, n, List.of()));
                } else {
                    Map<String, Type> partTypes = new LinkedHashMap<>();
                    for (String p : parts) {
                        partTypes.put(
                                p,
                                table == null
                                        ? columns.get(p)
                                        : table.schema().findField(p).type());
                    }
                    cut(c, whole, partTypes);
                    Files.delete(whole);
                }
            }
            return n;
        }

        /** The columns of the staged file and their Iceberg types, in order. */
        private Map<String, Type> types(Connection c, Path file) throws SQLException, AttemptFailure {
            Map<String, Type> out = new LinkedHashMap<>();
            try (Statement s = c.createStatement();
                    ResultSet r = s.executeQuery(
                            "DESCRIBE SELECT * FROM read_parquet(" + Sql.literal(file.toString()) + ")")) {
                while (r.next()) out.put(r.getString(1), IcebergTypes.of(r.getString(1), r.getString(2)));
            } catch (IllegalArgumentException refused) {
                // a type Iceberg has no match for is refused the same way at every attempt
                throw new AttemptFailure(refused.getMessage(), false);
            }
            return out;
        }

        /**
         * Refuses NULLs in the table's required columns: readers would take them for values they cannot be. One scan
         * of the staged file counts them all.
         */
        private void refuseNulls(Connection c, Path file, Schema schema) throws SQLException, AttemptFailure {
            List<String> required = schema.columns().stream()
                    .filter(Types.NestedField::isRequired)
                    .map(Types.NestedField::name)
                    .toList();
            if (required.isEmpty()) return;
            String counts = String.join(
                    ", ",
                    required.stream()
                            .map(name -> "count(*) FILTER (WHERE " + ident(name) + " IS NULL)")
                            .toList());
            try (Statement s = c.createStatement();
                    ResultSet r = s.executeQuery(
                            "SELECT " + counts + " FROM read_parquet(" + Sql.literal(file.toString()) + ")")) {
                r.next();
                for (int i = 0; i < required.size(); i++) {
                    long nulls = r.getLong(i + 1);
                    if (nulls == 0) continue;
                    String column = required.get(i);
                    throw new AttemptFailure(
                            nulls + " row(s) have no value (NULL) in the column " + column + ", which the table " + id
                                    + " requires; filter them out or give them a value in a sql step (WHERE "
                                    + ident(column) + " IS NOT NULL, or coalesce(" + ident(column) + ", ...))",
                            false);
                }
            }
        }

        /**
         * Writes the staged file again, when its columns are not the table's own by position: with every column of the
         * table in the table's order (a missing optional column as a NULL of its type), each carrying its Iceberg field
         * id. Readers that find no field ids in a file (Iceberg's generic reader among them) number its columns by
         * position: a file without a column, or with columns in another order than the table's ids, was read into the
         * wrong columns ("Missing required field" when a required one was shifted). A column of a type DuckDB does not
         * write (nested, UUID, fixed) stays out; the field ids still say which column is which.
         */
        private void withEveryColumn(Connection c, Path file, Schema schema) throws SQLException, IOException {
            if (byPosition(schema)) return;
            List<String> select = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (Types.NestedField f : schema.columns()) {
                if (columns.containsKey(f.name())) {
                    select.add(ident(f.name()));
                } else {
                    Optional<String> type = IcebergTypes.duckType(f.type());
                    if (type.isEmpty()) continue;
                    select.add("NULL::" + type.get() + " AS " + ident(f.name()));
                }
                ids.add(Sql.literal(f.name()) + ": " + f.fieldId());
            }
            fieldIds = ", FIELD_IDS {" + String.join(", ", ids) + "}";
            Path full = file.resolveSibling("every-column.parquet");
            try (Statement s = c.createStatement()) {
                s.execute("COPY (SELECT " + String.join(", ", select) + " FROM read_parquet("
                        + Sql.literal(file.toString()) + ")) TO " + Sql.literal(full.toString())
                        + " (FORMAT parquet, COMPRESSION zstd" + fieldIds + ")");
            }
            Files.move(full, file, StandardCopyOption.REPLACE_EXISTING);
        }

        /** Whether the rows hold every column of the table, the n-th column's field id being n. */
        private boolean byPosition(Schema schema) {
            if (columns.size() != schema.columns().size()) return false;
            int position = 1;
            for (String name : columns.keySet()) {
                if (schema.findField(name).fieldId() != position++) return false;
            }
            return true;
        }

        /**
         * Cuts the staged file into one file per partition (DuckDB's hive partitioning, partition columns kept in the
         * files), and reads each file's row count and partition values back.
         */
        private void cut(Connection c, Path whole, Map<String, Type> partTypes) throws SQLException {
            List<String> parts = List.copyOf(partTypes.keySet());
            Path folder = staging.resolve("parts");
            String columns =
                    String.join(", ", parts.stream().map(IcebergSink::ident).toList());
            try (Statement s = c.createStatement()) {
                s.execute("COPY (SELECT * FROM read_parquet(" + Sql.literal(whole.toString()) + ")) TO "
                        + Sql.literal(folder.toString())
                        + " (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (" + columns + "), "
                        + "WRITE_PARTITION_COLUMNS true, FILENAME_PATTERN 'part-{i}'" + fieldIds + ")");
            }
            List<Path> files = List.of();
            if (Files.exists(folder)) { // no rows, no folder
                try (Stream<Path> all = Files.walk(folder)) {
                    files = all.filter(p -> p.toString().endsWith(".parquet"))
                            .sorted()
                            .toList();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            StringBuilder select = new StringBuilder("SELECT count(*)");
            for (String p : parts)
                select.append(", any_value(").append(ident(p)).append(")::VARCHAR");
            for (Path f : files) {
                try (Statement s = c.createStatement();
                        ResultSet r = s.executeQuery(select + " FROM read_parquet(" + Sql.literal(f.toString())
                                + ", hive_partitioning=false)")) {
                    r.next();
                    List<Object> values = new ArrayList<>();
                    for (int i = 0; i < parts.size(); i++) {
                        String text = r.getString(i + 2);
                        Type type = partTypes.get(parts.get(i));
                        values.add(text == null ? null : partitionValue(type, text));
                    }
                    staged.add(new Staged(f, r.getLong(1), values));
                }
            }
        }

        @Override
        public Written commit(CommitContext context) throws Exception {
            if (staging == null) throw new IllegalStateException("commit before stage");
            OutputKey key = overwrite ? split.outputKey() : null;
            try (OutputLocks.Held held = key == null ? null : context.lock("iceberg-output:" + hash(id + key.key()))) {
                context.checkFence();
                if (key != null && !context.inputsCurrent()) {
                    abort();
                    return Written.NOTHING;
                }
                for (int round = 0; ; round++) {
                    try {
                        Written w = attempt(context, key, held);
                        moveDeadLetters();
                        done = true;
                        abort(); // the staging folder, now empty
                        return w;
                    } catch (Moved moved) {
                        if (round >= 10)
                            throw new IOException("the table " + id + " kept changing under the commit of " + split.id()
                                    + "; try again");
                    }
                }
            }
        }

        /** One commit attempt against the table's current version. */
        private Written attempt(CommitContext context, OutputKey key, OutputLocks.Held held) throws Exception {
            if (table == null && columns.isEmpty()) {
                table = existing(columns).orElse(null);
                // rows without columns make no table; without a table there is no earlier output to replace
                if (table == null) return new Written(0, List.of());
            }
            if (table == null) table = create(columns);
            table.refresh();
            if (!identityColumns(table).equals(parts)) {
                // the staged files were cut for other partitions: labelled with this spec, a reader's filter on a
                // partition column would skip their rows; a new attempt cuts them the table's way
                throw new AttemptFailure(
                        "the table " + id + " is partitioned by " + identityColumns(table) + " since the split "
                                + split.id() + " was staged (its rows cut by " + parts + "); the split runs again",
                        true);
            }
            List<String> added = table.schema().columns().stream()
                    .map(Types.NestedField::name)
                    .filter(n -> !covered.contains(n))
                    .toList();
            if (!staged.isEmpty() && !added.isEmpty()) {
                // the staged files lack them: a new attempt writes them (as NULL) with the rows
                throw new AttemptFailure(
                        "the table " + id + " has the column(s) " + added + " since the split " + split.id()
                                + " was staged; the split runs again",
                        true);
            }
            TableMetadata now = ((HasTableOperations) table).operations().current();
            List<Snapshot> earlier = history(now, s -> mine(s, split.id()));
            Optional<Snapshot> latest = latest(earlier);
            if (latest.isPresent()) {
                refuseStale(latest.get(), context);
                if (!overwrite && sameVersion(latest.get(), context)) return already(latest.get());
            }
            // overwrite: every snapshot of this split or of the other versions of its output key; append: the
            // split's snapshots when the split was committed by another version of the pipeline (a rebuild). What
            // expired snapshots added is found by the files' names: append replaces a split's rows found so (their
            // version unknown) rather than add them twice
            List<Snapshot> before = history(now, s -> mine(s, split.id()) || (key != null && replacedBy(s, key)));
            DataFileName name = DataFileName.of(pipeline, split);
            List<DataFile> unrecorded =
                    unrecorded(table, now, before, n -> n.sameSplit(name) || (key != null && n.replacedBy(name)));
            boolean replace = overwrite || latest.isPresent() || !unrecorded.isEmpty();
            List<Snapshot> replaced = replace ? before : List.of();
            java.util.Set<Long> seen = new java.util.HashSet<>();
            for (Snapshot s : replaced) seen.add(s.snapshotId());

            List<DataFile> files = place();
            Table guarded = guarded(table, base -> {
                List<Snapshot> theirs = history(base, s -> mine(s, split.id()));
                Optional<Snapshot> last = latest(theirs);
                if (last.isPresent()) {
                    refuseStale(last.get(), context);
                    if (!overwrite && sameVersion(last.get(), context)) throw new AlreadyCommitted(last.get());
                    if (!replace) throw new Moved();
                }
                if (replace) {
                    for (Snapshot s : history(base, s -> mine(s, split.id()) || (key != null && replacedBy(s, key)))) {
                        if (key != null && held != null && newer(s, LOCK_TOKEN, held.token(), context)) {
                            throw new StaleClaimException(split.id(), context.token());
                        }
                        if (!seen.contains(s.snapshotId())) throw new Moved();
                    }
                }
                if (held != null) held.check();
                context.checkFence(); // right before the compare-and-swap
            });
            SnapshotUpdate<?> update;
            if (replace) {
                OverwriteFiles o = guarded.newOverwrite();
                for (Snapshot s : replaced) {
                    for (DataFile f : added(table, s)) o.deleteFile(f);
                }
                unrecorded.forEach(o::deleteFile);
                files.forEach(o::addFile);
                update = o;
            } else {
                var append = guarded.newAppend();
                files.forEach(append::appendFile);
                update = append;
            }
            update.set(PIPELINE, pipeline);
            update.set(SPLIT, split.id());
            update.set(TOKEN, Long.toString(context.token()));
            if (context.incarnation() != null) update.set(INCARNATION, context.incarnation());
            if (context.pipelineVersion() != null) update.set(PIPELINE_VERSION, context.pipelineVersion());
            OutputKey own = split.outputKey();
            if (own != null) {
                update.set(KEY, own.key());
                update.set(VERSION, own.version());
                update.set(RANGE, own.start() + "-" + own.end());
            }
            if (held != null) update.set(LOCK_TOKEN, Long.toString(held.token()));
            try {
                commitUnwrapped(update);
            } catch (AlreadyCommitted a) {
                // another attempt's snapshot: Iceberg's own retry after a lost answer finds its snapshot there and
                // stops (IcebergLostAnswerTest, "commit failed")
                unplace(files);
                return already(a.snapshot);
            } catch (Exception e) {
                settle(e, files, context);
            }
            staged.clear();
            long rows = files.stream().mapToLong(DataFile::recordCount).sum();
            return new Written(
                    rows, files.stream().map(f -> id + ":" + f.location()).toList());
        }

        /**
         * After a commit threw: returns when this attempt's snapshot landed all the same (its answer was lost: a
         * timeout, a dropped connection, a 5xx, an interrupt), else throws. The files go back only when no snapshot
         * lists them and the commit surely failed; when the catalog cannot be asked, or did not say, they stay where
         * the snapshot would list them, and the split runs again: its next attempt finds it committed, or commits it
         * anew (the files are then orphans, which {@code remove_orphan_files} removes).
         */
        private void settle(Exception thrown, List<DataFile> files, CommitContext context) throws Exception {
            boolean landed;
            try {
                landed = landed(files, context);
            } catch (RuntimeException lookFailed) {
                thrown.addSuppressed(lookFailed);
                throw unknown(thrown);
            }
            if (landed) return;
            if (!surelyFailed(thrown)) throw unknown(thrown);
            unplace(files);
            throw thrown;
        }

        /** Whether a snapshot of this split and claim lists the attempt's files (they carry the attempt's id). */
        private boolean landed(List<DataFile> files, CommitContext context) {
            String token = Long.toString(context.token());
            if (files.isEmpty()) return false; // nothing to keep: the next attempt looks for the split's commit
            String first = files.getFirst().location();
            TableMetadata now = ((HasTableOperations) table).operations().refresh();
            for (Snapshot s : history(now, s -> mine(s, split.id()))) {
                if (!token.equals(s.summary().get(TOKEN))) continue;
                for (DataFile f : added(table, s)) if (f.location().equals(first)) return true;
            }
            return false;
        }

        /** Refused before the compare-and-swap (by the checks or Iceberg's validation), or a lost compare-and-swap. */
        private static boolean surelyFailed(Exception e) {
            return !(e instanceof RuntimeException)
                    || e instanceof org.apache.iceberg.exceptions.CommitFailedException
                    || e instanceof org.apache.iceberg.exceptions.ValidationException;
        }

        private IOException unknown(Exception e) {
            return new IOException(
                    "the catalog did not say whether the commit of the split " + split.id() + " to the table " + id
                            + " landed (" + e + "); its data files are kept, and the split runs again: its next "
                            + "attempt finds it committed, or commits it anew",
                    e);
        }

        /**
         * Whether a commit of the split was made by this version of the pipeline: a replay (after a crash between the
         * commit and the ledger's record, or a reset) whose rows are the same. A commit recorded without a version (by
         * an earlier Sluice) counts as another version: replacing it is right either way. Unknown here (tests, tools):
         * the same.
         */
        private static boolean sameVersion(Snapshot s, CommitContext context) {
            String mine = context.pipelineVersion();
            return mine == null || mine.equals(s.summary().get(PIPELINE_VERSION));
        }

        /** Throws when the split was committed under a newer claim than this one. */
        private void refuseStale(Snapshot s, CommitContext context) throws StaleClaimException {
            if (newer(s, TOKEN, context.token(), context)) throw new StaleClaimException(split.id(), context.token());
        }

        /** The split's latest commit, unless a discard came after it. */
        private Optional<Snapshot> latest(List<Snapshot> history) {
            if (history.isEmpty()) return Optional.empty();
            Snapshot last = history.getLast();
            return last.summary().containsKey(DISCARDED) ? Optional.empty() : Optional.of(last);
        }

        private Written already(Snapshot s) {
            long rows = Long.parseLong(s.summary().getOrDefault("added-records", "0"));
            return new Written(rows, List.of(id + "@" + s.snapshotId()));
        }

        /**
         * Moves the staged files to their data locations (a rename on one disk; an upload to an object store) and
         * describes them.
         */
        private List<DataFile> place() throws IOException {
            List<DataFile> out = new ArrayList<>();
            PartitionSpec spec = table.spec();
            DataFileName names = DataFileName.of(pipeline, split);
            int i = 0;
            for (Staged s : staged) {
                String name = names.file(attemptId, i++);
                String location = s.partition().isEmpty()
                        ? table.locationProvider().newDataLocation(name)
                        : table.locationProvider().newDataLocation(spec, struct(s.partition()), name);
                long size = Files.size(s.file());
                if (StoreFileIO.isUrl(location)) {
                    upload(table.io(), s.file(), location); // the staged file stays until the commit is done
                } else {
                    Path target = LocalFileIO.path(location);
                    Files.createDirectories(target.getParent());
                    try {
                        Files.move(s.file(), target, StandardCopyOption.ATOMIC_MOVE);
                    } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                        Files.move(s.file(), target);
                    }
                }
                DataFiles.Builder b = DataFiles.builder(spec)
                        .withPath(location)
                        .withFormat(FileFormat.PARQUET)
                        .withRecordCount(s.rows())
                        .withFileSizeInBytes(size);
                if (!s.partition().isEmpty()) b.withPartition(struct(s.partition()));
                out.add(b.build());
            }
            return out;
        }

        /** Moves placed files that no snapshot took (a refused or failed commit) back to staging, or removes them. */
        private void unplace(List<DataFile> files) throws IOException {
            for (int i = 0; i < files.size(); i++) {
                String location = files.get(i).location();
                if (StoreFileIO.isUrl(location)) {
                    table.io().deleteFile(location); // its staged file is still there
                    continue;
                }
                Path placed = LocalFileIO.path(location);
                if (Files.exists(placed)) Files.move(placed, staged.get(i).file());
            }
        }

        private void moveDeadLetters() throws IOException {
            if (dead == null) return;
            Path target = deadLetters().resolve(hash(split.id()) + ".jsonl");
            Files.createDirectories(target.getParent());
            Files.move(dead, target, StandardCopyOption.REPLACE_EXISTING);
            dead = null;
        }

        @Override
        public void abort() {
            removeTree(staging);
        }

        @Override
        public void close() {
            if (!done) abort();
        }
    }

    /** Writes a staged file to an object store through the table's file IO (this sink's own, or the user's). */
    private static void upload(FileIO io, Path file, String location) throws IOException {
        if (io instanceof StoreFileIO stores) {
            stores.upload(file, location);
            return;
        }
        try (var out = io.newOutputFile(location).createOrOverwrite()) {
            Files.copy(file, out);
        }
    }

    /** A partition's values in Iceberg's internal form. */
    private static StructLike struct(List<Object> values) {
        Object[] v = values.toArray();
        return new StructLike() {
            @Override
            public int size() {
                return v.length;
            }

            @Override
            public <T> T get(int pos, Class<T> javaClass) {
                return javaClass.cast(v[pos]);
            }

            @Override
            public <T> void set(int pos, T value) {
                v[pos] = value;
            }
        };
    }

    /**
     * A partition's value from DuckDB's text of it. A string is itself: Iceberg's partition strings read the text
     * {@code __HIVE_DEFAULT_PARTITION__} as NULL. A timestamp's text gets Iceberg's {@code T}.
     */
    private static Object partitionValue(Type type, String text) {
        if (type.typeId() == Type.TypeID.STRING) return text;
        return Conversions.fromPartitionString(
                type, type.typeId() == Type.TypeID.TIMESTAMP ? text.replace(' ', 'T') : text);
    }
}
