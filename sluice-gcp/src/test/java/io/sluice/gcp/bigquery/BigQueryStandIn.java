package io.sluice.gcp.bigquery;

import static io.sluice.gcp.GoogleJsonApi.JSON;
import static io.sluice.gcp.GoogleJsonApi.body;
import static io.sluice.gcp.GoogleJsonApi.send;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sluice.gcp.GoogleJsonApi;
import io.sluice.gcp.GoogleJsonApi.Failure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for BigQuery's REST API, for tests: no BigQuery emulator runs here. It speaks the few calls the bigquery
 * sink and source make through Google's own client ({@code BigQueryOptions.setHost}): datasets.get, tables.get /
 * insert / patch / delete, tabledata.list, jobs.insert (query jobs, and load jobs through the resumable upload
 * endpoint), jobs.get and jobs.getQueryResults. Tables live in an in-memory DuckDB (a dataset is a schema); an uploaded
 * Parquet file is read with DuckDB; a query is GoogleSQL turned into DuckDB SQL by a few rewrites (backquoted names,
 * named parameters, GoogleSQL type names, the {@code BEGIN ... EXCEPTION WHEN ERROR THEN ... END} wrapper of a
 * transaction), and runs one at a time.
 *
 * <p>What it does not check: GoogleSQL beyond those rewrites (a statement DuckDB reads differently passes or fails
 * here on DuckDB's terms, MERGE included), how BigQuery itself types a Parquet file's columns, concurrent transactions
 * (BigQuery aborts one of two that change one table; here they run one after the other), quotas, IAM (a dataset
 * named by {@link #deny} answers 403, nothing else does), locations, and job ids older than a day.
 */
public final class BigQueryStandIn implements AutoCloseable {
    private static final Pattern TYPE =
            Pattern.compile("\\bAS\\s+(INT64|FLOAT64|BOOL|STRING|BYTES|DATETIME|TIMESTAMP|NUMERIC|BIGNUMERIC)\\s*\\)");
    private static final Pattern PARAM = Pattern.compile("(?<![@\\w])@(\\w+)");
    private static final Pattern BACKQUOTED = Pattern.compile("`([^`]+)`");
    private static final Pattern MISSING_TABLE = Pattern.compile("Table with name (\\S+?) does not exist");

    private final HttpServer server;
    private final Connection duck;
    private final Set<String> datasets = new HashSet<>();
    private final Set<String> denied = new HashSet<>();
    /** Each table's BigQuery schema (its {@code fields}), by {@code dataset.table}. */
    private final Map<String, ArrayNode> schemas = new HashMap<>();
    /**
     * The tables' expiration times (ms since the epoch), by {@code dataset.table}: set by tables.insert and patch, kept
     * by a load that overwrites the table (WRITE_TRUNCATE), none on a table a load job creates, as BigQuery documents
     * (https://cloud.google.com/bigquery/docs/reference/rest/v2/Job#DestinationTableProperties, expirationTime: "For an
     * existing table, no change is made to the table's expiration time").
     */
    private final Map<String, Long> expirations = new HashMap<>();

    private final Map<String, ObjectNode> jobs = new LinkedHashMap<>();
    private final Map<String, Upload> uploads = new HashMap<>();
    private final AtomicInteger anonymous = new AtomicInteger();
    private final Path scratch;
    /** How often a job id was refused as a duplicate (HTTP 409). */
    public final AtomicInteger duplicates = new AtomicInteger();
    /** How many of the next transactions fail as BigQuery fails the loser of two concurrent ones. */
    public final AtomicInteger concurrentUpdates = new AtomicInteger();

    /**
     * How many of the next commit jobs (ids with {@code _commit}) finish, but the client's call for their results
     * fails: an answer lost after the job ran (here a 404 the client does not retry; a 5xx ends the same way once the
     * client's retries are spent).
     */
    public final AtomicInteger lostCommitResults = new AtomicInteger();

    /**
     * When set, the next load job runs to its end and then the caller is gone: every later call fails (HTTP 400, not
     * retried) until {@link #reachable} is called. What BigQuery holds then is what a worker killed while its load
     * job ran leaves behind.
     */
    public final java.util.concurrent.atomic.AtomicBoolean goneAfterLoad =
            new java.util.concurrent.atomic.AtomicBoolean();

    private boolean gone;

    private record Upload(ObjectNode job, ByteArrayOutputStream bytes) {}

    public BigQueryStandIn() throws IOException, SQLException {
        duck = DriverManager.getConnection("jdbc:duckdb:");
        try (Statement s = duck.createStatement()) {
            s.execute("SET autoinstall_known_extensions=false");
            s.execute("SET autoload_known_extensions=false");
            s.execute("SET TimeZone = 'UTC'");
            s.execute("CREATE SCHEMA _anon");
            datasets.add("_anon"); // where query results go, as BigQuery keeps them in a hidden dataset
        }
        scratch = Files.createTempDirectory("sluice-bq-standin-");
        server = GoogleJsonApi.serve(this::handle);
    }

    /** The endpoint to give the client ({@code endpoint:}). */
    public String endpoint() {
        return GoogleJsonApi.endpoint(server);
    }

    public synchronized void createDataset(String dataset) throws SQLException {
        datasets.add(dataset);
        sql("CREATE SCHEMA IF NOT EXISTS " + ident(dataset));
    }

    /** Every call touching the dataset answers 403, as BigQuery does to credentials without the role. */
    public synchronized void deny(String dataset) {
        denied.add(dataset);
    }

    /** Runs DuckDB SQL on the stand-in's tables (a dataset is a schema). */
    public synchronized void sql(String statement) throws SQLException {
        try (Statement s = duck.createStatement()) {
            s.execute(statement);
        }
    }

    /**
     * Drops columns of a table, as {@code ALTER TABLE ... DROP COLUMN} does in BigQuery: a table as an earlier
     * Sluice made it.
     */
    public synchronized void dropColumns(String dataset, String table, String... columns) throws SQLException {
        ArrayNode fields = schemas.get(dataset + "." + table);
        for (String c : columns) {
            sql("ALTER TABLE " + ident(dataset) + "." + ident(table) + " DROP COLUMN " + ident(c));
            for (int i = fields.size() - 1; i >= 0; i--) {
                if (fields.get(i).path("name").asText().equals(c)) fields.remove(i);
            }
        }
    }

    /** Makes a table without columns, as tables.insert without a schema does in BigQuery (a user's placeholder). */
    public synchronized void createTableWithoutSchema(String dataset, String table) throws SQLException {
        createTable(dataset, table, JSON.createArrayNode());
    }

    /** Drops a table, as {@code DROP TABLE} or tables.delete does in BigQuery (a user's, behind the sink's back). */
    public synchronized void dropTable(String dataset, String table) throws SQLException {
        sql("DROP TABLE IF EXISTS " + ident(dataset) + "." + ident(table));
        schemas.remove(dataset + "." + table);
        expirations.remove(dataset + "." + table);
    }

    /** The rows of a DuckDB query, each as its columns' text joined by {@code |}. */
    public synchronized List<String> rows(String query) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = duck.createStatement();
                ResultSet r = s.executeQuery(query)) {
            int n = r.getMetaData().getColumnCount();
            while (r.next()) {
                StringBuilder b = new StringBuilder();
                for (int i = 1; i <= n; i++) b.append(i > 1 ? "|" : "").append(r.getString(i));
                out.add(b.toString());
            }
        }
        return out;
    }

    /** A table's BigQuery schema as {@code name:TYPE} per column (with precision and scale where set). */
    public synchronized List<String> schema(String dataset, String table) {
        List<String> out = new ArrayList<>();
        ArrayNode fields = schemas.get(dataset + "." + table);
        if (fields == null) return out;
        for (JsonNode f : fields) {
            String t = f.path("type").asText();
            if (f.has("precision"))
                t += "(" + f.path("precision").asText() + "," + f.path("scale").asText("0") + ")";
            out.add(f.path("name").asText() + ":" + t);
        }
        return out;
    }

    /** The tables of a dataset, by name. */
    public synchronized Set<String> tables(String dataset) {
        Set<String> out = new java.util.TreeSet<>();
        for (String k : schemas.keySet()) {
            if (k.startsWith(dataset + ".")) out.add(k.substring(dataset.length() + 1));
        }
        return out;
    }

    /** Calls are answered again after {@link #goneAfterLoad}. */
    public synchronized void reachable() {
        gone = false;
    }

    /** A table's expiration time (ms since the epoch), if it has one. */
    public synchronized java.util.Optional<Long> expiration(String dataset, String table) {
        return java.util.Optional.ofNullable(expirations.get(dataset + "." + table));
    }

    /** The job ids made so far, in order. */
    public synchronized List<String> jobIds() {
        return List.copyOf(jobs.keySet());
    }

    @Override
    public void close() throws Exception {
        GoogleJsonApi.stop(server);
        duck.close();
        try (var files = Files.list(scratch)) {
            for (Path p : files.toList()) Files.deleteIfExists(p);
        }
        Files.deleteIfExists(scratch);
    }

    // ---- HTTP ----------------------------------------------------------------------------------------------

    private void handle(HttpExchange x) throws IOException {
        try {
            synchronized (this) {
                route(x);
            }
        } catch (Failure f) {
            GoogleJsonApi.error(x, f);
        } catch (Exception e) {
            GoogleJsonApi.error(x, new Failure(500, "internalError", "stand-in: " + e));
        } finally {
            x.close();
        }
    }

    private void route(HttpExchange x) throws Exception {
        if (gone) throw new Failure(400, "invalid", "stand-in: the caller is gone (goneAfterLoad)");
        GoogleJsonApi.Call call = GoogleJsonApi.Call.of(x);
        String method = call.method();
        String path = call.rawPath();
        Map<String, String> query = call.query();
        String[] p = call.path();
        if (p[0].equals("upload") && p.length >= 2 && p[1].equals("session")) {
            uploadChunk(x, p[2]);
            return;
        }
        if (p[0].equals("upload") && p.length == 6 && p[5].equals("jobs") && method.equals("POST")) {
            openUpload(x, p[4]);
            return;
        }
        if (!p[0].equals("bigquery") || p.length < 4) throw new Failure(404, "notFound", "stand-in: no route " + path);
        String project = p[3];
        if (p.length >= 6 && p[4].equals("datasets")) {
            String dataset = p[5];
            if (denied.contains(dataset)) {
                throw new Failure(
                        403,
                        "accessDenied",
                        "Access Denied: Dataset " + project + ":" + dataset
                                + ": Permission bigquery.tables.get denied on dataset " + project + ":" + dataset
                                + " (or it may not exist).");
            }
            if (!datasets.contains(dataset)) {
                throw new Failure(404, "notFound", "Not found: Dataset " + project + ":" + dataset);
            }
            if (p.length == 6) {
                ObjectNode d = JSON.createObjectNode();
                d.put("kind", "bigquery#dataset");
                d.put("id", project + ":" + dataset);
                d.putObject("datasetReference").put("projectId", project).put("datasetId", dataset);
                d.put("location", "US");
                send(x, 200, d);
                return;
            }
            if (p.length == 7 && method.equals("POST")) {
                ObjectNode body = (ObjectNode) JSON.readTree(body(x));
                String table = body.path("tableReference").path("tableId").asText();
                if (schemas.containsKey(dataset + "." + table)) {
                    throw new Failure(
                            409, "duplicate", "Already Exists: Table " + project + ":" + dataset + "." + table);
                }
                ArrayNode fields =
                        body.path("schema").path("fields") instanceof ArrayNode given ? given : JSON.createArrayNode();
                distinct(fields);
                createTable(dataset, table, fields);
                if (body.has("expirationTime"))
                    expirations.put(
                            dataset + "." + table, body.path("expirationTime").asLong());
                send(x, 200, table(project, dataset, table));
                return;
            }
            String table = p[7];
            String key = dataset + "." + table;
            if (!schemas.containsKey(key)) {
                throw new Failure(404, "notFound", "Not found: Table " + project + ":" + key);
            }
            if (p.length == 9 && p[8].equals("data")) {
                send(x, 200, tableData(dataset, table, query));
                return;
            }
            switch (method) {
                case "GET" -> send(x, 200, table(project, dataset, table));
                case "DELETE" -> {
                    sql("DROP TABLE IF EXISTS " + ident(dataset) + "." + ident(table));
                    schemas.remove(key);
                    expirations.remove(key);
                    x.sendResponseHeaders(204, -1);
                }
                case "PATCH", "PUT" -> {
                    JsonNode body = JSON.readTree(body(x));
                    if (body.path("schema").has("fields")) {
                        distinct((ArrayNode) body.path("schema").path("fields"));
                        alter(dataset, table, (ArrayNode) body.path("schema").path("fields"));
                    }
                    if (body.has("expirationTime"))
                        expirations.put(key, body.path("expirationTime").asLong());
                    send(x, 200, table(project, dataset, table));
                }
                default -> throw new Failure(400, "invalid", "stand-in: no " + method + " on a table");
            }
            return;
        }
        if (p.length == 5 && p[4].equals("jobs") && method.equals("POST")) {
            ObjectNode job = (ObjectNode) JSON.readTree(body(x));
            String id = jobId(project, job);
            send(x, 200, runQuery(project, id, job));
            return;
        }
        if (p.length == 6 && p[4].equals("jobs") && method.equals("GET")) {
            ObjectNode job = jobs.get(p[5]);
            if (job == null) throw new Failure(404, "notFound", "Not found: Job " + project + ":" + p[5]);
            send(x, 200, job);
            return;
        }
        if (p.length == 6 && p[4].equals("queries") && method.equals("GET")) {
            ObjectNode job = jobs.get(p[5]);
            if (job == null) throw new Failure(404, "notFound", "Not found: Job " + project + ":" + p[5]);
            if (p[5].contains("_commit") && lostCommitResults.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new Failure(404, "notFound", "stand-in: the results of job " + p[5] + " were lost");
            }
            JsonNode error = job.path("status").path("errorResult");
            if (!error.isMissingNode()) {
                throw new Failure(
                        400,
                        error.path("reason").asText(),
                        error.path("message").asText());
            }
            ObjectNode r = JSON.createObjectNode();
            r.put("kind", "bigquery#getQueryResultsResponse");
            r.set("jobReference", job.path("jobReference"));
            r.put("jobComplete", true);
            JsonNode dest = job.path("configuration").path("query").path("destinationTable");
            if (dest.isMissingNode()) {
                r.put("totalRows", "0");
            } else {
                String key = dest.path("datasetId").asText() + "."
                        + dest.path("tableId").asText();
                r.putObject("schema").set("fields", schemas.get(key));
                r.put("totalRows", Long.toString(count(key)));
            }
            send(x, 200, r);
            return;
        }
        throw new Failure(404, "notFound", "stand-in: no route " + method + " " + path);
    }

    /** The job id, refused when taken (BigQuery's 409 "Already Exists"). */
    private String jobId(String project, ObjectNode job) throws Failure {
        String id = job.path("jobReference").path("jobId").asText();
        if (jobs.containsKey(id)) {
            duplicates.incrementAndGet();
            throw new Failure(409, "duplicate", "Already Exists: Job " + project + ":US." + id);
        }
        return id;
    }

    private void openUpload(HttpExchange x, String project) throws Exception {
        ObjectNode job = (ObjectNode) JSON.readTree(body(x));
        jobId(project, job);
        String dataset = job.path("configuration")
                .path("load")
                .path("destinationTable")
                .path("datasetId")
                .asText();
        if (denied.contains(dataset)) {
            throw new Failure(
                    403,
                    "accessDenied",
                    "Access Denied: Dataset " + project + ":" + dataset
                            + ": Permission bigquery.tables.create denied on dataset " + project + ":" + dataset);
        }
        String session = "s" + uploads.size() + "-" + System.nanoTime();
        uploads.put(session, new Upload(job, new ByteArrayOutputStream()));
        x.getResponseHeaders().set("Location", endpoint() + "/upload/session/" + session);
        x.sendResponseHeaders(200, -1);
    }

    private void uploadChunk(HttpExchange x, String session) throws Exception {
        Upload u = uploads.get(session);
        if (u == null) throw new Failure(404, "notFound", "stand-in: no upload session " + session);
        u.bytes.write(body(x));
        String range = x.getRequestHeaders().getFirst("Content-Range");
        if (range != null && range.endsWith("/*")) {
            x.getResponseHeaders().set("Range", "bytes=0-" + (u.bytes.size() - 1));
            x.sendResponseHeaders(308, -1);
            return;
        }
        uploads.remove(session);
        send(x, 200, load(u.job, u.bytes.toByteArray()));
        if (goneAfterLoad.getAndSet(false)) gone = true;
    }

    /** A load job: the uploaded Parquet file becomes the destination table (WRITE_TRUNCATE) or is appended to it. */
    private ObjectNode load(ObjectNode job, byte[] parquet) throws Exception {
        String id = job.path("jobReference").path("jobId").asText();
        JsonNode load = job.path("configuration").path("load");
        String dataset = load.path("destinationTable").path("datasetId").asText();
        String table = load.path("destinationTable").path("tableId").asText();
        Path file = scratch.resolve(id + ".parquet");
        Files.write(file, parquet);
        String error = null;
        try {
            if (!datasets.contains(dataset)) throw new SQLException("Not found: Dataset " + dataset);
            String name = ident(dataset) + "." + ident(table);
            boolean truncate =
                    load.path("writeDisposition").asText("WRITE_APPEND").equals("WRITE_TRUNCATE");
            if (truncate || !schemas.containsKey(dataset + "." + table)) {
                sql("CREATE OR REPLACE TABLE " + name + " AS SELECT * FROM read_parquet('" + file + "')");
                schemas.put(dataset + "." + table, describe(name));
            } else {
                sql("INSERT INTO " + name + " BY NAME SELECT * FROM read_parquet('" + file + "')");
            }
        } catch (SQLException e) {
            error = e.getMessage();
        } finally {
            Files.deleteIfExists(file);
        }
        return finish(id, job, error, "invalid");
    }

    /** A query job: a script (statements in a transaction), or a SELECT whose result becomes an anonymous table. */
    private ObjectNode runQuery(String project, String id, ObjectNode job) throws Exception {
        JsonNode q = job.path("configuration").path("query");
        String sql = duckSql(q.path("query").asText(), q.path("queryParameters"));
        for (String d : denied) {
            if (sql.contains(ident(d) + ".")) {
                throw new Failure(
                        403,
                        "accessDenied",
                        "Access Denied: Table " + project + ":" + d + ": Permission bigquery.tables.getData denied");
            }
        }
        String error = null;
        try {
            String body = script(sql);
            if (body != null && concurrentUpdates.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new SQLException("Transaction is aborted due to concurrent update against table " + project
                        + " (stand-in: as BigQuery aborts one of two transactions changing one table)");
            }
            if (body != null) {
                runScript(body);
            } else {
                String dest = "r" + anonymous.incrementAndGet();
                sql("CREATE TABLE _anon." + ident(dest) + " AS " + sql);
                schemas.put("_anon." + dest, describe("_anon." + ident(dest)));
                ((ObjectNode) job.path("configuration").path("query"))
                        .putObject("destinationTable")
                        .put("projectId", project)
                        .put("datasetId", "_anon")
                        .put("tableId", dest);
            }
        } catch (SQLException e) {
            error = e.getMessage();
            Matcher missing = MISSING_TABLE.matcher(error);
            if (missing.find()) return finish(id, job, notFound(project, sql, missing.group(1)), "notFound");
        }
        return finish(id, job, error, "invalidQuery");
    }

    /**
     * BigQuery's error for a query naming a table that is not there: "Not found: Table PROJECT:DATASET.TABLE was not
     * found in location US" (reason notFound, https://cloud.google.com/bigquery/docs/error-messages), where DuckDB
     * names the table alone.
     */
    private static String notFound(String project, String sql, String table) {
        Matcher m = Pattern.compile("\"([^\"]+)\"\\.\"" + Pattern.quote(table) + "\"")
                .matcher(sql);
        return "Not found: Table " + project + ":" + (m.find() ? m.group(1) + "." : "") + table
                + " was not found in location US";
    }

    /** The body of a {@code BEGIN ... EXCEPTION WHEN ERROR THEN ... END;} script, or null for one statement. */
    private static String script(String sql) {
        String s = sql.strip();
        if (!s.startsWith("BEGIN\n")) return null;
        int handler = s.indexOf("\nEXCEPTION WHEN ERROR THEN");
        if (handler < 0) return null;
        return s.substring("BEGIN\n".length(), handler);
    }

    /** The statements in order; at an error, the open transaction is rolled back and the error is the job's. */
    private void runScript(String body) throws SQLException {
        try (Statement s = duck.createStatement()) {
            for (String statement : body.split(";\n", -1)) {
                if (statement.isBlank()) continue;
                s.execute(statement);
            }
        } catch (SQLException e) {
            try (Statement s = duck.createStatement()) {
                s.execute("ROLLBACK");
            } catch (SQLException noTransaction) {
                // the error came before BEGIN TRANSACTION, or after COMMIT
            }
            throw e;
        }
    }

    private ObjectNode finish(String id, ObjectNode job, String error, String reason) {
        long now = System.currentTimeMillis();
        job.put("kind", "bigquery#job");
        job.put("id", job.path("jobReference").path("projectId").asText() + ":US." + id);
        ObjectNode status = job.putObject("status");
        status.put("state", "DONE");
        if (error != null) {
            ObjectNode e = status.putObject("errorResult");
            e.put("reason", reason);
            e.put("message", error);
            status.putArray("errors").add(e.deepCopy());
        }
        ObjectNode stats = job.putObject("statistics");
        stats.put("creationTime", Long.toString(now));
        stats.put("startTime", Long.toString(now));
        stats.put("endTime", Long.toString(now));
        jobs.put(id, job);
        return job;
    }

    // ---- tables --------------------------------------------------------------------------------------------

    /**
     * Refuses a schema with two fields whose names differ only in case, as BigQuery does: "Duplicate column names are
     * not allowed even if the case differs" (https://cloud.google.com/bigquery/docs/schemas#column_names).
     */
    private static void distinct(ArrayNode fields) throws Failure {
        Map<String, String> seen = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (JsonNode f : fields) {
            String name = f.path("name").asText();
            String same = seen.putIfAbsent(name, name);
            if (same != null) {
                throw new Failure(
                        400, "invalid", "stand-in: duplicate column names " + same + " and " + name + " in the schema");
            }
        }
    }

    private void createTable(String dataset, String table, ArrayNode fields) throws SQLException {
        if (fields.isEmpty()) { // a table without a schema (a load gives it one): nothing in DuckDB yet
            schemas.put(dataset + "." + table, JSON.createArrayNode());
            return;
        }
        List<String> defs = new ArrayList<>();
        for (JsonNode f : fields) defs.add(ident(f.path("name").asText()) + " " + duckType(f));
        sql("CREATE TABLE " + ident(dataset) + "." + ident(table) + " (" + String.join(", ", defs) + ")");
        schemas.put(dataset + "." + table, fields.deepCopy());
    }

    private void alter(String dataset, String table, ArrayNode fields) throws SQLException {
        Set<String> have = new HashSet<>();
        for (JsonNode f : schemas.get(dataset + "." + table))
            have.add(f.path("name").asText());
        for (JsonNode f : fields) {
            if (have.contains(f.path("name").asText())) continue;
            sql("ALTER TABLE " + ident(dataset) + "." + ident(table) + " ADD COLUMN "
                    + ident(f.path("name").asText()) + " " + duckType(f));
        }
        schemas.put(dataset + "." + table, fields.deepCopy());
    }

    private ObjectNode table(String project, String dataset, String table) throws SQLException {
        ObjectNode t = JSON.createObjectNode();
        t.put("kind", "bigquery#table");
        t.put("id", project + ":" + dataset + "." + table);
        t.putObject("tableReference")
                .put("projectId", project)
                .put("datasetId", dataset)
                .put("tableId", table);
        t.put("type", "TABLE");
        // BigQuery's tables.get leaves "schema" out for a table without columns
        if (!schemas.get(dataset + "." + table).isEmpty())
            t.putObject("schema").set("fields", schemas.get(dataset + "." + table));
        t.put(
                "numRows",
                schemas.get(dataset + "." + table).isEmpty() ? "0" : Long.toString(count(dataset + "." + table)));
        Long expires = expirations.get(dataset + "." + table);
        if (expires != null) t.put("expirationTime", Long.toString(expires));
        t.put("creationTime", Long.toString(System.currentTimeMillis()));
        return t;
    }

    private long count(String key) throws SQLException {
        String[] dt = key.split("\\.", 2);
        return Long.parseLong(rows("SELECT count(*) FROM " + ident(dt[0]) + "." + ident(dt[1]))
                .getFirst());
    }

    /** tabledata.list: a page of rows, values in the REST API's text forms. */
    private ObjectNode tableData(String dataset, String table, Map<String, String> query) throws SQLException {
        ArrayNode fields = schemas.get(dataset + "." + table);
        long start = query.containsKey("pageToken")
                ? Long.parseLong(query.get("pageToken"))
                : Long.parseLong(query.getOrDefault("startIndex", "0"));
        long max = Long.parseLong(query.getOrDefault("maxResults", "100000"));
        boolean int64Timestamps = "true".equals(query.get("formatOptions.useInt64Timestamp"));
        List<String> select = new ArrayList<>();
        for (JsonNode f : fields) {
            String c = ident(f.path("name").asText());
            select.add(
                    switch (f.path("type").asText()) {
                        case "TIMESTAMP" ->
                            int64Timestamps ? "epoch_us(" + c + ")::VARCHAR" : "(epoch_us(" + c + ") / 1e6)::VARCHAR";
                        case "DATETIME" -> "strftime(" + c + ", '%Y-%m-%dT%H:%M:%S.%f')";
                        default -> c + "::VARCHAR";
                    });
        }
        long total = count(dataset + "." + table);
        ObjectNode out = JSON.createObjectNode();
        out.put("kind", "bigquery#tableDataList");
        out.put("totalRows", Long.toString(total));
        ArrayNode rows = out.putArray("rows");
        try (Statement s = duck.createStatement();
                ResultSet r = s.executeQuery("SELECT " + String.join(", ", select) + " FROM " + ident(dataset) + "."
                        + ident(table) + " LIMIT " + max + " OFFSET " + start)) {
            while (r.next()) {
                ArrayNode f = rows.addObject().putArray("f");
                for (int i = 1; i <= select.size(); i++) {
                    String v = r.getString(i);
                    if (v == null) f.addObject().putNull("v");
                    else f.addObject().put("v", v);
                }
            }
        }
        if (start + rows.size() < total) out.put("pageToken", Long.toString(start + rows.size()));
        return out;
    }

    /** A DuckDB table's columns as BigQuery fields. */
    private ArrayNode describe(String name) throws SQLException {
        ArrayNode fields = JSON.createArrayNode();
        try (Statement s = duck.createStatement();
                ResultSet r = s.executeQuery("DESCRIBE " + name)) {
            while (r.next()) {
                ObjectNode f = fields.addObject();
                f.put("name", r.getString(1));
                f.put("mode", "NULLABLE");
                String t = r.getString(2).toUpperCase(Locale.ROOT);
                Matcher d = Pattern.compile("DECIMAL\\((\\d+),(\\d+)\\)").matcher(t);
                if (d.matches()) {
                    int p = Integer.parseInt(d.group(1));
                    int sc = Integer.parseInt(d.group(2));
                    f.put("type", sc <= 9 && p - sc <= 29 ? "NUMERIC" : "BIGNUMERIC");
                    f.put("precision", Integer.toString(p));
                    f.put("scale", Integer.toString(sc));
                    continue;
                }
                f.put(
                        "type",
                        switch (t) {
                            case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT" -> "INTEGER";
                            case "FLOAT", "DOUBLE" -> "FLOAT";
                            case "BOOLEAN" -> "BOOLEAN";
                            case "BLOB" -> "BYTES";
                            case "DATE" -> "DATE";
                            case "TIME" -> "TIME";
                            case "TIMESTAMP" -> "DATETIME";
                            case "TIMESTAMP WITH TIME ZONE" -> "TIMESTAMP";
                            default -> "STRING";
                        });
            }
        }
        return fields;
    }

    private static String duckType(JsonNode f) {
        String t = f.path("type").asText();
        String p = f.path("precision").asText("");
        String s = f.path("scale").asText("0");
        return switch (t) {
            case "INTEGER", "INT64" -> "BIGINT";
            case "FLOAT", "FLOAT64" -> "DOUBLE";
            case "BOOLEAN", "BOOL" -> "BOOLEAN";
            case "BYTES" -> "BLOB";
            case "NUMERIC", "BIGNUMERIC" ->
                p.isEmpty() ? "DECIMAL(38,9)" : "DECIMAL(" + Math.min(38, Integer.parseInt(p)) + "," + s + ")";
            case "DATE" -> "DATE";
            case "TIME" -> "TIME";
            case "DATETIME" -> "TIMESTAMP";
            case "TIMESTAMP" -> "TIMESTAMPTZ";
            default -> "VARCHAR";
        };
    }

    // ---- GoogleSQL to DuckDB -------------------------------------------------------------------------------

    /** The rewrites: backquoted names, named parameters as literals, GoogleSQL types in CASTs. */
    private static String duckSql(String sql, JsonNode parameters) {
        Map<String, String> values = new HashMap<>();
        for (JsonNode p : parameters) {
            String type = p.path("parameterType").path("type").asText();
            JsonNode v = p.path("parameterValue").path("value");
            values.put(
                    p.path("name").asText(),
                    v.isMissingNode() || v.isNull()
                            ? "NULL"
                            : switch (type) {
                                case "INT64", "FLOAT64", "NUMERIC", "BOOL" -> v.asText();
                                case "TIMESTAMP" -> "CAST('" + v.asText() + "' AS TIMESTAMPTZ)";
                                default -> "'" + v.asText().replace("'", "''") + "'";
                            });
        }
        Matcher m = BACKQUOTED.matcher(sql);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String[] parts = m.group(1).split("\\.", -1);
            String name = parts.length >= 2
                    ? ident(parts[parts.length - 2]) + "." + ident(parts[parts.length - 1])
                    : ident(parts[0]);
            m.appendReplacement(b, Matcher.quoteReplacement(name));
        }
        m.appendTail(b);
        m = PARAM.matcher(b.toString());
        b = new StringBuilder();
        while (m.find()) {
            String v = values.get(m.group(1));
            m.appendReplacement(b, Matcher.quoteReplacement(v == null ? m.group() : v));
        }
        m.appendTail(b);
        m = TYPE.matcher(b.toString());
        b = new StringBuilder();
        while (m.find()) {
            String t = switch (m.group(1)) {
                case "INT64" -> "BIGINT";
                case "FLOAT64" -> "DOUBLE";
                case "BOOL" -> "BOOLEAN";
                case "STRING" -> "VARCHAR";
                case "BYTES" -> "BLOB";
                case "DATETIME" -> "TIMESTAMP";
                case "TIMESTAMP" -> "TIMESTAMPTZ";
                default -> "DECIMAL(38,9)";
            };
            m.appendReplacement(b, "AS " + t + ")");
        }
        m.appendTail(b);
        return b.toString();
    }

    private static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
