package io.sluice.testkit.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real S3 server for tests: S3Proxy (its jar-with-dependencies, copied by this module's build) in a JVM of its own
 * on a random loopback port, keeping its buckets as folders in a temp dir. {@link #shared()} is one server per test
 * JVM, stopped and removed at exit; {@link #create()} is one a test owns, e.g. to kill it mid-run and start it again
 * on the same port with the same data.
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String ACCESS_KEY = "sluice-test-access-key";
    public static final String SECRET_KEY = "sluice-test-secret-key";
    public static final String REGION = "us-east-1";

    private static S3ProxyServer shared;

    private final Path dir;
    private final int port;
    private Process process;

    private S3ProxyServer(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** The server of this test JVM, started on first use. */
    public static synchronized S3ProxyServer shared() {
        if (shared == null) {
            S3ProxyServer s = create();
            Runtime.getRuntime().addShutdownHook(new Thread(s::close, "s3proxy-stop"));
            shared = s;
        }
        return shared;
    }

    /** A server of the caller's own, started; {@link #close()} stops it and removes its data. */
    public static S3ProxyServer create() {
        try {
            Path dir = Files.createTempDirectory("sluice-s3proxy-");
            Files.createDirectories(dir.resolve("data"));
            S3ProxyServer s = new S3ProxyServer(dir, freePort());
            s.start();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:port}; path-style addressing (no bucket DNS names on loopback). */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** Creates a bucket (3 to 63 characters): with the file system back end a bucket is a folder. */
    public void createBucket(String name) {
        try {
            Files.createDirectories(dir.resolve("data").resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the server (again, after {@link #stop()}: same port, same data) and waits until it answers. */
    public synchronized void start() {
        if (process != null && process.isAlive()) return;
        try {
            Path conf = dir.resolve("s3proxy.conf");
            Files.writeString(
                    conf,
                    String.join(
                            "\n",
                            "s3proxy.endpoint=" + endpoint(),
                            "s3proxy.authorization=aws-v2-or-v4",
                            "s3proxy.identity=" + ACCESS_KEY,
                            "s3proxy.credential=" + SECRET_KEY,
                            "jclouds.provider=filesystem-nio2",
                            "jclouds.filesystem.basedir=" + dir.resolve("data"),
                            ""));
            List<String> cmd = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m",
                    "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1",
                    "-jar",
                    jar().toString(),
                    "--properties",
                    conf.toString()));
            process = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            dir.resolve("s3proxy.log").toFile()))
                    .start();
            awaitPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kills the server at once (SIGKILL, as a crash would); its data stays for {@link #start()}. */
    public synchronized void stop() {
        if (process == null) return;
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Stops the server and removes its folder. */
    @Override
    public synchronized void close() {
        stop();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort at exit: a temp dir left behind is harmless
        }
    }

    private void awaitPort() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) break;
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while S3Proxy was starting", e);
                }
            }
        }
        String log = Files.exists(dir.resolve("s3proxy.log")) ? Files.readString(dir.resolve("s3proxy.log")) : "";
        throw new IOException("S3Proxy did not open port " + port + (process.isAlive() ? " within 60s" : ", it exited")
                + "; its log:\n" + log);
    }

    private static Path jar() throws IOException {
        Properties p = new Properties();
        try (InputStream in = S3ProxyServer.class.getResourceAsStream("s3proxy.properties")) {
            if (in == null) throw new IOException("s3proxy.properties missing from sluice-testkit: build it with mvn");
            p.load(in);
        }
        Path jar = Path.of(p.getProperty("jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IOException("S3Proxy jar " + jar + " is missing: run mvn -pl sluice-testkit process-resources "
                    + "(the build copies org.gaul:s3proxy:" + p.getProperty("version") + " there)");
        }
        return jar;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
