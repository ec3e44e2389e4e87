package io.sluice.sinks.iceberg;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Executors;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.NoSuchNamespaceException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.exceptions.NotFoundException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.rest.CatalogHandlers;
import org.apache.iceberg.rest.RESTCatalogProperties;
import org.apache.iceberg.rest.RESTSerializers;
import org.apache.iceberg.rest.requests.CreateNamespaceRequest;
import org.apache.iceberg.rest.requests.CreateTableRequest;
import org.apache.iceberg.rest.requests.UpdateTableRequest;
import org.apache.iceberg.rest.responses.ConfigResponse;
import org.apache.iceberg.rest.responses.ErrorResponse;

/**
 * An Iceberg REST catalog server for the tests: the REST protocol's table and namespace routes over HTTP (the JDK's
 * server, on a random loopback port), answered by Iceberg's own server-side handlers ({@link CatalogHandlers}, in
 * iceberg-core) over a JDBC catalog on SQLite. It stands in for Polaris, Nessie or a cloud's REST catalog, none of
 * which installs here, and for Iceberg's own test server (iceberg-open-api's test fixtures), which the Maven mirror
 * does not serve. Not served: views, scan planning, credentials vending, OAuth (a real server may refuse what this
 * one allows).
 */
final class RestCatalogServer implements AutoCloseable {
    private final HttpServer http;
    private final Catalog backing;
    private final java.util.concurrent.atomic.AtomicInteger lostAnswer =
            new java.util.concurrent.atomic.AtomicInteger();
    /** As Iceberg's client maps its messages: kebab-case names, fields read directly (its requests have no setters). */
    private final ObjectMapper json = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.KEBAB_CASE)
            .setVisibility(
                    com.fasterxml.jackson.annotation.PropertyAccessor.FIELD,
                    com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility.ANY);

    RestCatalogServer(Path folder, String warehouse) throws IOException {
        RESTSerializers.registerAll(json);
        backing = CatalogUtil.buildIcebergCatalog(
                "rest-backing",
                Map.of(
                        "type",
                        "jdbc",
                        CatalogProperties.URI,
                        "jdbc:sqlite:" + folder.resolve("rest-catalog.db"),
                        CatalogProperties.WAREHOUSE_LOCATION,
                        warehouse,
                        "jdbc.schema-version",
                        "V1",
                        CatalogProperties.FILE_IO_IMPL,
                        StoreFileIO.class.getName()),
                null);
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.setExecutor(Executors.newFixedThreadPool(4));
        http.createContext("/v1/", this::handle);
        http.start();
    }

    /** The next commit to a table lands, but its answer is this status: a gateway's timeout, a crash after the write. */
    void loseNextCommitAnswer(int status) {
        lostAnswer.set(status);
    }

    /** Whether the armed loss has happened. */
    boolean commitAnswerLost() {
        return lostAnswer.get() == 0;
    }

    private static final class LostAnswer extends RuntimeException {
        final int status;

        LostAnswer(int status) {
            super("the commit landed, but its answer was lost (" + status + ")");
            this.status = status;
        }
    }

    String uri() {
        return "http://127.0.0.1:" + http.getAddress().getPort() + "/";
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String[] p =
                    x.getRequestURI().getRawPath().substring("/v1/".length()).split("/");
            String method = x.getRequestMethod();
            SupportsNamespaces namespaces = (SupportsNamespaces) backing;
            Object answer;
            try {
                answer = switch (p.length) {
                    case 1 ->
                        p[0].equals("config")
                                ? ConfigResponse.builder().build()
                                : method.equals("POST")
                                        ? CatalogHandlers.createNamespace(
                                                namespaces, read(x, CreateNamespaceRequest.class))
                                        : CatalogHandlers.listNamespaces(namespaces, Namespace.empty());
                    case 2 ->
                        switch (method) {
                            case "HEAD" -> {
                                CatalogHandlers.namespaceExists(namespaces, namespace(p[1]));
                                yield null;
                            }
                            default -> CatalogHandlers.loadNamespace(namespaces, namespace(p[1]));
                        };
                    case 3 ->
                        method.equals("POST")
                                ? create(namespace(p[1]), read(x, CreateTableRequest.class))
                                : CatalogHandlers.listTables(backing, namespace(p[1]));
                    case 4 -> {
                        TableIdentifier id = TableIdentifier.of(namespace(p[1]), decode(p[3]));
                        yield switch (method) {
                            case "HEAD" -> {
                                CatalogHandlers.tableExists(backing, id);
                                yield null;
                            }
                            case "POST" -> {
                                Object done =
                                        CatalogHandlers.updateTable(backing, id, read(x, UpdateTableRequest.class));
                                int lost = lostAnswer.getAndSet(0);
                                if (lost != 0) throw new LostAnswer(lost);
                                yield done;
                            }
                            case "DELETE" -> {
                                CatalogHandlers.dropTable(backing, id);
                                yield null;
                            }
                            default -> CatalogHandlers.loadTable(backing, id, RESTCatalogProperties.SnapshotMode.ALL);
                        };
                    }
                    case 5 -> {
                        if (!p[4].equals("metrics")) throw new NotFoundException("no route %s", x.getRequestURI());
                        yield null; // a client's scan and commit reports: taken, not kept
                    }
                    default -> throw new NotFoundException("no route %s %s", method, x.getRequestURI());
                };
            } catch (NoSuchTableException | NoSuchNamespaceException | NotFoundException e) {
                error(x, 404, e);
                return;
            } catch (AlreadyExistsException | CommitFailedException e) {
                error(x, 409, e);
                return;
            } catch (ValidationException | IllegalArgumentException e) {
                error(x, 400, e);
                return;
            } catch (LostAnswer e) {
                error(x, e.status, e);
                return;
            } catch (RuntimeException e) {
                error(x, 500, e);
                return;
            }
            if (answer == null) {
                x.sendResponseHeaders(204, -1);
                return;
            }
            send(x, 200, json.writeValueAsBytes(answer));
        }
    }

    private Object create(Namespace ns, CreateTableRequest request) {
        return request.stageCreate()
                ? CatalogHandlers.stageTableCreate(backing, ns, request)
                : CatalogHandlers.createTable(backing, ns, request);
    }

    private <T> T read(HttpExchange x, Class<T> type) throws IOException {
        return json.readValue(x.getRequestBody(), type);
    }

    private static String decode(String segment) {
        return URLDecoder.decode(segment, StandardCharsets.UTF_8);
    }

    /** A namespace path segment: its levels joined by the unit separator, URL-encoded. */
    private static Namespace namespace(String segment) {
        return Namespace.of(decode(segment).split("\u001f"));
    }

    private void error(HttpExchange x, int code, RuntimeException e) throws IOException {
        ErrorResponse body = ErrorResponse.builder()
                .responseCode(code)
                .withType(e.getClass().getSimpleName())
                .withMessage(String.valueOf(e.getMessage()))
                .build();
        send(x, code, json.writeValueAsBytes(body));
    }

    private static void send(HttpExchange x, int code, byte[] body) throws IOException {
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(code, body.length);
        x.getResponseBody().write(body);
    }

    @Override
    public void close() throws Exception {
        http.stop(0);
        ((java.util.concurrent.ExecutorService) http.getExecutor()).shutdownNow();
        if (backing instanceof AutoCloseable c) c.close();
    }
}
