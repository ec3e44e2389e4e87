package io.sluice.sinks.iceberg;

import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkFactory;
import io.sluice.spi.storage.StoreSettings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.catalog.TableIdentifier;

/** Declares the {@code iceberg} sink. */
public final class IcebergSinkFactory implements SinkFactory<Options> {
    static final Field<String> TABLE = Field.required(
            "table",
            Type.STRING,
            "The table, as `namespace.name` (`db.events`; a nested namespace as `a.b.name`). Created from the output's "
                    + "columns when missing (docs/sinks/iceberg.md, type mapping).");
    static final Field<Map<String, String>> CATALOG = Field.required(
            "catalog",
            Type.mapOf(Type.STRING),
            "The Iceberg catalog, by Iceberg's own property names: `type` (`jdbc` or `rest`), `uri` (`jdbc:sqlite:...` "
                    + "or `jdbc:postgresql://...` for jdbc, the server's `https://...` for rest), `warehouse` (for jdbc "
                    + "a local folder, relative to the pipeline file, or a bucket's prefix: `s3://bucket/lake`, with "
                    + "the store's settings block beside `catalog`), and any other catalog property (`jdbc.user`, "
                    + "`jdbc.password: ${VAR}`, `token`, `credential`, `io-impl`, ...), and `name`: the catalog's "
                    + "name (default `sluice`), which readers of a JDBC catalog must use too. A relative SQLite path "
                    + "is relative to the pipeline file.");
    static final Field<List<String>> PARTITION_BY = Field.optional(
            "partition_by",
            Type.oneOrMany(Type.STRING),
            List.of(),
            "Columns a new table is partitioned by (identity partitions); an existing table keeps its own spec.");
    static final Field<String> MODE = Field.optional(
            "mode",
            Type.choice("append", "overwrite"),
            "append",
            "`append`: each split's rows are added once (a replayed split is not added again). `overwrite`: a "
                    + "split's commit replaces the rows its earlier attempts committed, and the rows of the earlier "
                    + "versions of its input (a changed file).");

    /** A block for each object store on the class path that takes settings, for a warehouse in a bucket. */
    static final Map<String, Field<Options>> STORE_BLOCKS = StoreSettings.fields();

    static final Type.Obj OPTIONS = declared();

    private static Type.Obj declared() {
        List<Field<?>> fields = new java.util.ArrayList<>(List.of(TABLE, CATALOG));
        fields.addAll(STORE_BLOCKS.values());
        fields.addAll(List.of(PARTITION_BY, MODE));
        return Type.Obj.of("An Apache Iceberg table: one snapshot per split.", fields.toArray(Field<?>[]::new));
    }

    @Override
    public String kind() {
        return "iceberg";
    }

    @Override
    public Type<Options> options() {
        return OPTIONS;
    }

    @Override
    public String description() {
        return "Writes each split's records as Parquet data files of an Apache Iceberg table and commits them as one "
                + "snapshot, so readers see a split's rows all at once or not at all. The split id and its claim's "
                + "token go into the snapshot's summary: a split already committed is not committed again, and a "
                + "worker whose claim was taken over cannot commit. JDBC (SQLite, PostgreSQL) and REST catalogs; "
                + "tables on local disk or in an object store (S3, GCS, Azure Blob).";
    }

    @Override
    public Sink create(Options o, PipelineContext context) {
        String table = o.get(TABLE);
        TableIdentifier id;
        try {
            id = TableIdentifier.parse(table);
        } catch (IllegalArgumentException e) {
            throw o.problem(TABLE, "not a table name: " + table + "; write namespace.name, e.g. db.events");
        }
        if (!id.hasNamespace() || table.startsWith(".") || table.endsWith(".") || table.contains("..")) {
            throw o.problem(TABLE, "write the table with its namespace, e.g. db." + table);
        }
        Map<String, String> catalog = catalog(o, context.baseDir());
        return new IcebergSink(
                context.pipeline(),
                id,
                catalog,
                o.get(PARTITION_BY),
                o.get(MODE).equals("overwrite"),
                context.baseDir(),
                o);
    }

    /** The catalog's properties, checked, with local paths made absolute and the local file IO by default. */
    static Map<String, String> catalog(Options o, Path base) {
        Map<String, String> given = new LinkedHashMap<>(o.get(CATALOG));
        String type = given.get(CatalogProperties.CATALOG_IMPL) != null ? "custom" : given.get("type");
        if (type == null) throw o.problem(CATALOG, "say the catalog's type: `type: jdbc` or `type: rest`");
        String uri = given.get(CatalogProperties.URI);
        switch (type) {
            case "jdbc" -> {
                if (uri == null || !uri.startsWith("jdbc:")) {
                    throw o.problem(
                            CATALOG,
                            "a jdbc catalog needs `uri: jdbc:...`, e.g. jdbc:sqlite:lake/catalog.db or "
                                    + "jdbc:postgresql://host:5432/db");
                }
                String warehouse = given.get(CatalogProperties.WAREHOUSE_LOCATION);
                if (warehouse == null) {
                    throw o.problem(
                            CATALOG,
                            "a jdbc catalog needs `warehouse:` (a folder, e.g. lake/warehouse, or a bucket's prefix, "
                                    + "e.g. s3://bucket/lake)");
                }
                if (!isUrl(warehouse)) given.put(CatalogProperties.WAREHOUSE_LOCATION, absolute(base, warehouse));
                // Iceberg's current catalog schema (with views); an older catalog's tables are migrated to it
                given.putIfAbsent("jdbc.schema-version", "V1");
                if (uri.startsWith("jdbc:sqlite:")) {
                    given.put(CatalogProperties.URI, sqlite(base, uri));
                    // one SQLite file shared by every worker: wait for its write lock rather than fail at once
                    given.putIfAbsent("jdbc.busy_timeout", "30000");
                    given.putIfAbsent("jdbc.journal_mode", "WAL");
                }
            }
            case "rest" -> {
                if (uri == null || !isUrl(uri)) {
                    throw o.problem(CATALOG, "a rest catalog needs `uri:` with the server's URL, e.g. https://host/");
                }
                String warehouse = given.get(CatalogProperties.WAREHOUSE_LOCATION);
                if (warehouse != null && warehouse.startsWith(".")) {
                    given.put(CatalogProperties.WAREHOUSE_LOCATION, absolute(base, warehouse));
                }
            }
            case "custom" -> {}
            default -> throw o.problem(CATALOG, "unknown catalog type " + type + "; use jdbc or rest");
        }
        given.putIfAbsent(CatalogProperties.FILE_IO_IMPL, StoreFileIO.class.getName());
        given.putIfAbsent(StoreFileIO.SETTINGS, StoreFileIO.settings(StoreSettings.given(o, STORE_BLOCKS)));
        return given;
    }

    private static boolean isUrl(String s) {
        return Type.PathOrUrl.isUrl(s);
    }

    private static String absolute(Path base, String path) {
        return base.resolve(path).normalize().toString();
    }

    /** A SQLite url with a relative file made relative to the pipeline file's folder. */
    private static String sqlite(Path base, String uri) {
        String rest = uri.substring("jdbc:sqlite:".length());
        if (rest.isEmpty() || rest.startsWith(":memory:") || rest.startsWith("file:")) return uri;
        int query = rest.indexOf('?');
        String file = query < 0 ? rest : rest.substring(0, query);
        String params = query < 0 ? "" : rest.substring(query);
        return "jdbc:sqlite:" + absolute(base, file) + params;
    }
}
