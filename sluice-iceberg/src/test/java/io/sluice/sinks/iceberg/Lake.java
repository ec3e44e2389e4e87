package io.sluice.sinks.iceberg;

import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.spi.BadRecordPolicy;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.sink.Sink;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;

/**
 * A lake in a test's folder: Iceberg's JDBC catalog on a SQLite file ({@code lake/catalog.db}) and a warehouse on
 * local disk ({@code lake/warehouse}), as a pipeline names them. Sinks are made by the factory from the same YAML a
 * user writes; the table is read back by Iceberg's own reader (IcebergGenerics), through a catalog of the test's own.
 */
final class Lake {
    static final String CATALOG = "{ type: jdbc, uri: \"jdbc:sqlite:lake/catalog.db\", warehouse: lake/warehouse }";

    private final Path dir;
    /** The {@code catalog:} block; the warehouse on local disk unless {@link #inBucket}. */
    private final String catalog;
    /** Lines beside {@code catalog:} (an object store's settings block), or "". */
    private final String beside;

    Lake(Path dir) {
        this(dir, CATALOG, "");
    }

    private Lake(Path dir, String catalog, String beside) {
        this.dir = dir;
        this.catalog = catalog;
        this.beside = beside;
    }

    /** The same catalog on SQLite, with the warehouse at {@code warehouse} (a bucket's URL) and these store settings. */
    static Lake inBucket(Path dir, String warehouse, String storeSettings) {
        return new Lake(
                dir,
                "{ type: jdbc, uri: \"jdbc:sqlite:lake/catalog.db\", warehouse: \"" + warehouse + "\" }",
                storeSettings + "\n");
    }

    /** A catalog given whole as its {@code catalog:} block (e.g. a {@code catalog-impl} of a test's own). */
    static Lake withCatalog(Path dir, String catalog) {
        return new Lake(dir, catalog, "");
    }

    /** The lake of {@link #Lake(Path)}, its files read through {@link OpenCountingFileIO}, which notes each read. */
    static Lake countingReads(Path dir) {
        return withCatalog(
                dir,
                "{ type: jdbc, uri: \"jdbc:sqlite:lake/catalog.db\", warehouse: lake/warehouse, io-impl: "
                        + OpenCountingFileIO.class.getName() + " }");
    }

    /** A REST catalog at {@code uri}; its server decides where tables live. */
    static Lake rest(Path dir, String uri) {
        return new Lake(dir, "{ type: rest, uri: \"" + uri + "\" }", "");
    }

    /** A sink made by the factory from {@code sink.iceberg}'s block, as a pipeline in {@code dir} would make it. */
    Sink sink(String block, String pipeline) {
        IcebergSinkFactory factory = new IcebergSinkFactory();
        return factory.create(
                options(block),
                new PipelineContext(
                        pipeline, dir.resolve("p.yaml"), 1, BadRecordPolicy.DEAD_LETTER, Clock.systemUTC()));
    }

    private Options options(String block) {
        return new Validator(dir, k -> null)
                .validate(YamlReader.parse("sink.yaml", block), (Type.Obj) new IcebergSinkFactory().options());
    }

    Sink sink(String table, String mode, String partitionBy) {
        return sink(
                "table: " + table + "\ncatalog: " + catalog + "\n" + beside + "mode: " + mode
                        + (partitionBy == null ? "" : "\npartition_by: [" + partitionBy + "]") + "\n",
                "test");
    }

    Path warehouse() {
        return dir.resolve("lake/warehouse");
    }

    /** A catalog of the reader's own, over the same SQLite file and warehouse, with the same properties. */
    Catalog catalog() {
        Map<String, String> properties =
                IcebergSinkFactory.catalog(options("table: db.t\ncatalog: " + catalog + "\n" + beside), dir);
        return CatalogUtil.buildIcebergCatalog("sluice", properties, null);
    }

    /** Every row of the table, read by Iceberg's own reader, each as its columns' values joined by {@code |}. */
    List<String> rows(String table, String... columns) throws Exception {
        Catalog c = catalog();
        try {
            if (!c.tableExists(TableIdentifier.parse(table))) return List.of();
            Table t = c.loadTable(TableIdentifier.parse(table));
            List<String> out = new ArrayList<>();
            try (CloseableIterable<Record> rows = IcebergGenerics.read(t).build()) {
                for (Record r : rows) {
                    List<String> values = new ArrayList<>();
                    for (String col : columns) values.add(String.valueOf(r.getField(col)));
                    out.add(String.join("|", values));
                }
            }
            return out;
        } finally {
            if (c instanceof AutoCloseable a) a.close();
        }
    }

    /** The table's snapshots, oldest first. */
    List<Snapshot> snapshots(String table) throws Exception {
        Catalog c = catalog();
        try {
            List<Snapshot> out = new ArrayList<>();
            c.loadTable(TableIdentifier.parse(table)).snapshots().forEach(out::add);
            return out;
        } finally {
            if (c instanceof AutoCloseable a) a.close();
        }
    }

    /** The loaded table (close nothing: the catalog's pool ends with the JVM). */
    Table table(String table) {
        return catalog().loadTable(TableIdentifier.parse(table));
    }
}
