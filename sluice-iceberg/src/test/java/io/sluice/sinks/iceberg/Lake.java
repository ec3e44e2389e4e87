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
import org.apache.iceberg.CatalogProperties;
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

    Lake(Path dir) {
        this.dir = dir;
    }

    /** A sink made by the factory from {@code sink.iceberg}'s block, as a pipeline in {@code dir} would make it. */
    Sink sink(String block, String pipeline) {
        IcebergSinkFactory factory = new IcebergSinkFactory();
        Options o = new Validator(dir, k -> null)
                .validate(YamlReader.parse("sink.yaml", block), (Type.Obj) factory.options());
        return factory.create(
                o,
                new PipelineContext(
                        pipeline, dir.resolve("p.yaml"), 1, BadRecordPolicy.DEAD_LETTER, Clock.systemUTC()));
    }

    Sink sink(String table, String mode, String partitionBy) {
        return sink(
                "table: " + table + "\ncatalog: " + CATALOG + "\nmode: " + mode
                        + (partitionBy == null ? "" : "\npartition_by: [" + partitionBy + "]") + "\n",
                "test");
    }

    Path warehouse() {
        return dir.resolve("lake/warehouse");
    }

    /** A catalog of the reader's own, over the same SQLite file and warehouse. */
    Catalog catalog() {
        return CatalogUtil.buildIcebergCatalog(
                "sluice",
                Map.of(
                        "type",
                        "jdbc",
                        CatalogProperties.URI,
                        "jdbc:sqlite:" + dir.resolve("lake/catalog.db"),
                        CatalogProperties.WAREHOUSE_LOCATION,
                        warehouse().toString(),
                        CatalogProperties.FILE_IO_IMPL,
                        LocalFileIO.class.getName()),
                null);
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
