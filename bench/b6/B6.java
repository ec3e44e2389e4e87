import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import io.sluice.ledger.dynamodb.DynamoDbConfig;
import io.sluice.ledger.dynamodb.DynamoDbLedger;
import io.sluice.ledger.postgres.PostgresConfig;
import io.sluice.ledger.postgres.PostgresLedger;
import io.sluice.ledger.redis.RedisConfig;
import io.sluice.ledger.redis.RedisLedger;
import io.sluice.ledger.sqlite.SqliteLedger;
import io.sluice.spi.Claim;
import io.sluice.spi.Completion;
import io.sluice.spi.Ledger;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.SplitState;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import redis.embedded.RedisServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * B6: the ledger under a worker pool, per backend, with 1, 2 and 4 workers.
 *
 * <p>ledger: FILES splits registered, then each worker (a thread with its own ledger handle and connections, as a
 * process would have) claims and completes splits as fast as it can: claims per second is what the ledger can take.
 *
 * <p>pool: FILES small CSV files, N {@code sluice worker} processes (one thread each); files per second from the
 * first worker's start until the ledger has every split done; each worker reports at its stop the time it spent in
 * ledger calls per split and that time's share of its time per split.
 *
 * <p>Servers are real and local, started here on random loopback ports: PostgreSQL (zonky), redis-server 6.2
 * (embedded-redis, append-only file with fsync every second, Redis's default), DynamoDB Local in this JVM.
 */
public class B6 {
    static final int[] WORKERS = {1, 2, 4};

    public static void main(String[] args) throws Exception {
        int files = Integer.parseInt(env("B6_FILES", "20000"));
        int poolFiles = Integer.parseInt(env("B6_POOL_FILES", Integer.toString(files)));
        Path dir = Path.of(env("BENCH_DIR", "/tmp/sluice-bench")).resolve("b6");
        List<String> backends = args.length > 0 ? List.of(args) : List.of("sqlite", "postgres", "redis", "dynamodb");
        Files.createDirectories(dir);
        if (backends.equals(List.of("floor"))) {
            floor(dir, files);
            System.exit(0);
        }
        for (String backend : backends) {
            try (Store store = Store.start(backend, dir.resolve("servers"))) {
                for (int n : WORKERS) {
                    double claims = ledgerOnly(store, files, n);
                    System.out.printf(Locale.ROOT, "B6 ledger backend=%s workers=%d splits=%d claims=%.0f/s%n",
                            backend, n, files, claims);
                }
                for (int n : WORKERS) {
                    if (poolFiles > 0) pool(store, dir, poolFiles, n);
                }
            }
        }
        // DynamoDB Local leaves a non-daemon thread (ShardRolloverJobScheduler, sleeping) after stop(): without this
        // the JVM lingers for minutes after the last result
        System.exit(0);
    }

    // ---- the ledger alone -------------------------------------------------------------------------------

    static double ledgerOnly(Store store, int files, int workers) throws Exception {
        String pipeline = "b6-ledger-" + workers;
        List<Ledger> handles = new ArrayList<>();
        try {
            for (int i = 0; i < workers; i++) handles.add(store.open(pipeline));
            Ledger first = handles.getFirst();
            first.reset();
            List<Split> splits = IntStream.range(0, files)
                    .mapToObj(i -> new Split("f" + i, List.of(Member.whole("in/f" + i + ".csv", "size=100", null)), 100))
                    .toList();
            for (int i = 0; i < files; i += 1000) first.register(splits.subList(i, Math.min(files, i + 1000)));
            AtomicInteger done = new AtomicInteger();
            long start = System.nanoTime();
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                Ledger l = handles.get(w);
                String owner = "w" + w;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (Optional<Claim> c; (c = l.claim(owner, Duration.ofMinutes(5))).isPresent(); ) {
                            l.isCurrent(c.get()); // the sink's fence check
                            l.complete(c.get(), new Completion(5, 5, 0, List.of("part-" + c.get().splitId() + ".csv"), "v1"));
                            done.incrementAndGet();
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            for (Thread t : threads) t.join();
            double seconds = (System.nanoTime() - start) / 1e9;
            if (done.get() != files || first.counts().getOrDefault(SplitState.DONE, 0L) != files) {
                throw new IllegalStateException("ledger run WRONG: " + done.get() + " completions for " + files + " splits");
            }
            return files / seconds;
        } finally {
            handles.forEach(Ledger::close);
        }
    }

    // ---- the floor: bare calls to DynamoDB Local --------------------------------------------------------

    /**
     * What DynamoDB Local itself serves here, whatever the ledger: FILES splits registered by the DynamoDB ledger (so
     * the items and the index are the ledger's), then 1, 2 and 4 threads (one client each, like a ledger handle) make
     * one kind of call as fast as they can for FLOOR_SECONDS: a strongly consistent GetItem of a split, a conditional
     * UpdateItem of one (the condition holds, one attribute changes, the index entry is rewritten), the same with a
     * change of the index's partition key as a claim and a completion make ("move"), a Query of 10 splits on the
     * by_state index (the first 10 of the about FILES/2 splits the moves left under one of their two keys).
     */
    static void floor(Path dir, int files) throws Exception {
        int seconds = Integer.parseInt(env("B6_FLOOR_SECONDS", "5"));
        try (Store store = Store.start("dynamodb", dir.resolve("servers"))) {
            String pipeline = "b6-floor";
            try (Ledger l = store.open(pipeline)) {
                l.reset();
                List<Split> splits = IntStream.range(0, files)
                        .mapToObj(i -> new Split("f" + i, List.of(Member.whole("in/f" + i + ".csv", "size=100", null)), 100))
                        .toList();
                for (int i = 0; i < files; i += 1000) l.register(splits.subList(i, Math.min(files, i + 1000)));
            }
            Map<String, String> calls = new java.util.LinkedHashMap<>();
            calls.put("get", "GetItem (consistent read)");
            calls.put("update", "UpdateItem with a condition");
            calls.put("move", "UpdateItem with a condition that moves the item in the index");
            calls.put("query", "Query of 10 on the by_state index");
            // JIT and DynamoDB Local warm-up: every call, unmeasured, before any measured run
            for (String call : calls.keySet()) floorRun(store.endpoint(), pipeline, files, call, 2, 3);
            for (String call : calls.keySet()) {
                for (int n : WORKERS) {
                    double rate = floorRun(store.endpoint(), pipeline, files, call, n, seconds);
                    System.out.printf(Locale.ROOT, "B6 floor backend=dynamodb call=%s threads=%d calls=%.0f/s%n",
                            call, n, rate);
                }
            }
        }
    }

    static double floorRun(URI endpoint, String pipeline, int files, String call, int threads, int seconds)
            throws Exception {
        List<DynamoDbClient> clients = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            clients.add(DynamoDbClient.builder()
                    .region(software.amazon.awssdk.regions.Region.US_EAST_1).endpointOverride(endpoint)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("b6", "b6")))
                    .httpClientBuilder(software.amazon.awssdk.http.apache.ApacheHttpClient.builder().maxConnections(16))
                    .build());
        }
        try {
            AtomicInteger count = new AtomicInteger();
            java.util.concurrent.atomic.AtomicBoolean counting = new java.util.concurrent.atomic.AtomicBoolean();
            long warmUp = 2_000;
            long end = System.currentTimeMillis() + warmUp + seconds * 1000L;
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                var db = clients.get(t);
                int offset = t;
                ts.add(Thread.ofPlatform().start(() -> {
                    java.util.Random random = new java.util.Random(offset);
                    while (System.currentTimeMillis() < end) {
                        Map<String, AttributeValue> key = Map.of("pk", AttributeValue.fromS(pipeline + "#split"),
                                "sk", AttributeValue.fromS("f" + random.nextInt(files)));
                        switch (call) {
                            case "get" -> db.getItem(b -> b.tableName("sluice-b6").key(key).consistentRead(true));
                            case "update" -> updateIfPending(db, key, "#u", "updated",
                                    AttributeValue.fromN(Long.toString(System.currentTimeMillis())));
                            case "move" -> updateIfPending(db, key, "#st", "st",
                                    AttributeValue.fromS(pipeline + "#floor-" + random.nextInt(2)));
                            case "query" -> db.query(b -> b.tableName("sluice-b6").indexName("by_state")
                                    .keyConditionExpression("#st = :v")
                                    .expressionAttributeNames(Map.of("#st", "st"))
                                    .expressionAttributeValues(Map.of(":v", AttributeValue.fromS(pipeline + "#floor-0")))
                                    .limit(10));
                            default -> throw new IllegalArgumentException(call);
                        }
                        if (counting.get()) count.incrementAndGet();
                    }
                }));
            }
            Thread.sleep(warmUp);
            counting.set(true);
            long start = System.nanoTime();
            for (Thread t : ts) t.join();
            return count.get() / ((System.nanoTime() - start) / 1e9);
        } finally {
            clients.forEach(DynamoDbClient::close);
        }
    }

    /** A conditional write of one attribute, as a claim or a completion makes (the "move" one changes the index key). */
    static void updateIfPending(DynamoDbClient db, Map<String, AttributeValue> key, String name, String attribute,
                                AttributeValue value) {
        db.updateItem(b -> b.tableName("sluice-b6").key(key)
                .updateExpression("SET " + name + " = :v")
                .conditionExpression("#s = :pending")
                .expressionAttributeNames(Map.of(name, attribute, "#s", "state"))
                .expressionAttributeValues(Map.of(":v", value, ":pending", AttributeValue.fromS("pending"))));
    }

    // ---- a pool of sluice worker processes ----------------------------------------------------------------

    static final Pattern STOPPED = Pattern.compile("ledger ([0-9.]+) ms per split, ([0-9.]+)% of the time per split");

    static void pool(Store store, Path dir, int files, int workers) throws Exception {
        String pipeline = "b6-pool-" + workers;
        Path ws = dir.resolve(store.name() + "-" + workers);
        deleteTree(ws);
        Path in = Files.createDirectories(ws.resolve("in"));
        FileTime settled = FileTime.fromMillis(System.currentTimeMillis() - 60_000);
        for (int f = 0; f < files; f++) {
            Path p = in.resolve("d" + f % 100).resolve("f" + f + ".csv");
            Files.createDirectories(p.getParent());
            StringBuilder csv = new StringBuilder("id,v\n");
            for (int r = 0; r < 5; r++) csv.append(f * 5 + r).append(',').append(r).append('\n');
            Files.writeString(p, csv);
            Files.setLastModifiedTime(p, settled);
        }
        Path yaml = ws.resolve("pipeline.yaml");
        Files.writeString(yaml, """
                pipeline: %s
                source:
                  files: { path: in, include: "**/*.csv", pack: { max_files: 1 } }
                sink:
                  files: { path: out, format: csv }
                state: %s
                run:
                  parallelism: 1
                  lease: 30s
                  interval: 2s
                  engine: { threads: 1 }
                """.formatted(pipeline, store.state()));
        try (Ledger l = store.open(pipeline)) {
            l.reset();
        }
        List<Process> procs = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        long start = System.nanoTime();
        for (int w = 0; w < workers; w++) {
            Path log = ws.resolve("worker-" + w + ".log");
            logs.add(log);
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC", "-Xmx512m",
                    "-cp", System.getProperty("java.class.path"), "io.sluice.cli.Main",
                    "worker", yaml.toString(), "--id", "w" + w, "--progress", "none")
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(store.env());
            procs.add(pb.start());
        }
        try (Ledger l = store.open(pipeline)) {
            // Polls for an open split (one item), and counts only when none is left: on DynamoDB a count reads
            // every split, and counting every 200 ms took most of DynamoDB Local's time from the workers.
            var open = java.util.EnumSet.of(SplitState.PENDING, SplitState.FAILED, SplitState.CLAIMED);
            while (!l.splits(open, 1).isEmpty() || l.counts().getOrDefault(SplitState.DONE, 0L) < files) {
                for (Process p : procs) {
                    if (!p.isAlive()) throw new IllegalStateException("a worker exited; see " + ws);
                }
                Thread.sleep(200);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        procs.forEach(Process::destroy);
        double ms = 0;
        double share = 0;
        for (int w = 0; w < workers; w++) {
            procs.get(w).waitFor();
            Matcher m = STOPPED.matcher(Files.readString(logs.get(w)));
            if (!m.find()) throw new IllegalStateException("no ledger figures in " + logs.get(w));
            ms += Double.parseDouble(m.group(1)) / workers;
            share += Double.parseDouble(m.group(2)) / workers;
        }
        System.out.printf(Locale.ROOT, "B6 pool backend=%s workers=%d files=%d files=%.1f/s ledger=%.2fms/split "
                + "ledger_share=%.1f%% (wall %.1f s, JVM start and first listing included)%n", store.name(), workers,
                files, files / seconds, ms, share, seconds);
    }

    // ---- servers ------------------------------------------------------------------------------------------

    interface Store extends AutoCloseable {
        String name();

        String state();

        Ledger open(String pipeline);

        default URI endpoint() {
            throw new UnsupportedOperationException(name() + " has no endpoint");
        }

        default Map<String, String> env() {
            return Map.of();
        }

        @Override
        void close() throws Exception;

        static Store start(String backend, Path dir) throws Exception {
            Files.createDirectories(dir);
            return switch (backend) {
                case "sqlite" -> {
                    Path file = dir.resolve("b6.db");
                    yield store(backend, "{ sqlite: \"" + file + "\" }", p -> SqliteLedger.open(file, p, Clock.systemUTC()),
                            () -> { });
                }
                case "postgres" -> {
                    Path data = dir.resolve("pg");
                    deleteTree(data);
                    EmbeddedPostgres pg = EmbeddedPostgres.builder().setPort(freePort()).setDataDirectory(data)
                            .setServerConfig("max_connections", "200").start();
                    String url = "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres";
                    yield store(backend, "{ postgres: { url: \"" + url + "\", user: postgres } }",
                            p -> PostgresLedger.open(PostgresConfig.of(url, "postgres", null, "sluice"), p,
                                    Clock.systemUTC()), pg::close);
                }
                case "redis" -> {
                    int port = freePort();
                    Path data = Files.createDirectories(dir.resolve("redis-" + port));
                    RedisServer redis = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"")
                            .setting("dir " + data).setting("appendonly yes").setting("appendfsync everysec").build();
                    redis.start();
                    String url = "redis://127.0.0.1:" + port + "/0";
                    yield store(backend, "{ redis: { url: \"" + url + "\" } }",
                            p -> RedisLedger.open(RedisConfig.of(url), p, Clock.systemUTC()), redis::stop);
                }
                case "dynamodb" -> {
                    int port = freePort();
                    DynamoDBProxyServer server = ServerRunner.createServerFromCommandLineArgs(
                            new String[] {"-inMemory", "-port", String.valueOf(port)});
                    server.start();
                    URI endpoint = URI.create("http://127.0.0.1:" + port);
                    Store s = store(backend, "{ dynamodb: { table: sluice-b6, region: us-east-1, endpoint: \"" + endpoint + "\" } }",
                            p -> DynamoDbLedger.open(DynamoDbConfig.of("sluice-b6", "us-east-1", endpoint), p, Clock.systemUTC(),
                                    StaticCredentialsProvider.create(AwsBasicCredentials.create("b6", "b6"))),
                            server::stop);
                    yield new Store() {
                        public String name() { return s.name(); }
                        public String state() { return s.state(); }
                        public Ledger open(String p) { return s.open(p); }
                        public URI endpoint() { return endpoint; }
                        public Map<String, String> env() {
                            return Map.of("AWS_ACCESS_KEY_ID", "b6", "AWS_SECRET_ACCESS_KEY", "b6");
                        }
                        public void close() throws Exception { s.close(); }
                    };
                }
                default -> throw new IllegalArgumentException("unknown backend " + backend);
            };
        }
    }

    interface Stop {
        void stop() throws Exception;
    }

    static Store store(String name, String state, Function<String, Ledger> open, Stop stop) {
        return new Store() {
            public String name() { return name; }
            public String state() { return state; }
            public Ledger open(String pipeline) { return open.apply(pipeline); }
            public void close() throws Exception { stop.stop(); }
        };
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
