package io.sluice.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real Azurite Blob service (the Azure Storage emulator, from npm) for tests: one per JVM, started on first use on a
 * free port of 127.0.0.1 with its data in a temporary folder, stopped and removed when the JVM exits.
 *
 * <p>Azurite is installed with {@code npm ci} from the package.json and package-lock.json beside this class (pinned
 * azurite 3.37.0) into {@code ~/.cache/sluice/azurite-<lock hash>}, once per machine: about 2 minutes on a fresh
 * one. Needs Node.js and npm on the PATH.
 */
public final class AzuriteServer {
    /** Azurite's one account and its key, the same on every installation (documented by Microsoft). */
    public static final String ACCOUNT = "devstoreaccount1";

    public static final String KEY =
            "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static final String RESOURCES = "/io/sluice/testkit/azurite/";
    private static final Pattern LISTENING = Pattern.compile("listens on (http://127\\.0\\.0\\.1:(\\d+))");
    private static final long START_TIMEOUT_SECONDS = 60;
    private static AzuriteServer shared;

    private final Process process;
    private final Path data;
    private final int port;

    private AzuriteServer(Process process, Path data, int port) {
        this.process = process;
        this.data = data;
        this.port = port;
    }

    /** The server of this JVM, installed and started on the first call. */
    public static synchronized AzuriteServer shared() {
        if (shared == null) {
            try {
                shared = start(install());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting Azurite", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(shared::stop, "azurite-stop"));
        }
        return shared;
    }

    public int port() {
        return port;
    }

    /** The Blob service URL of the account, e.g. {@code http://127.0.0.1:41234/devstoreaccount1}. */
    public String blobEndpoint() {
        return "http://127.0.0.1:" + port + "/" + ACCOUNT;
    }

    /** What AZURE_STORAGE_CONNECTION_STRING would hold to reach this server. */
    public String connectionString() {
        return "DefaultEndpointsProtocol=http;AccountName=" + ACCOUNT + ";AccountKey=" + KEY + ";BlobEndpoint="
                + blobEndpoint() + ";";
    }

    private static Path install() throws IOException, InterruptedException {
        byte[] packageJson = resource("package.json");
        byte[] lock = resource("package-lock.json");
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "sluice");
        Path home = cache.resolve("azurite-" + sha256(packageJson, lock).substring(0, 12));
        Path bin = home.resolve("node_modules/.bin/azurite-blob");
        if (Files.isExecutable(bin)) {
            return bin;
        }
        Files.createDirectories(cache);
        // several test JVMs (modules, helpers) may start at once: one installs, the others wait for it
        try (FileChannel lockFile = FileChannel.open(
                        cache.resolve("azurite.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = lockFile.lock()) {
            if (Files.isExecutable(bin)) {
                return bin;
            }
            Path staging = Files.createTempDirectory(cache, "azurite-install-");
            Files.write(staging.resolve("package.json"), packageJson);
            Files.write(staging.resolve("package-lock.json"), lock);
            System.out.println("[AzuriteServer] installing azurite (npm ci, pinned by package-lock.json) into " + home
                    + "; about 2 minutes the first time on this machine");
            Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--loglevel=http")
                    .directory(staging.toFile())
                    .redirectErrorStream(true)
                    .start();
            // npm's progress, so that a long first run shows it is alive
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(npm.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                long fetched = 0;
                while ((line = out.readLine()) != null) {
                    if (line.contains("http fetch") && ++fetched % 50 == 0) {
                        System.out.println("[AzuriteServer] npm: " + fetched + " packages fetched");
                    } else if (!line.contains("http fetch")) {
                        System.out.println("[AzuriteServer] npm: " + line);
                    }
                }
            }
            if (npm.waitFor() != 0 || !Files.isExecutable(staging.resolve("node_modules/.bin/azurite-blob"))) {
                deleteTree(staging);
                throw new IOException("npm ci of azurite failed (exit " + npm.exitValue() + "); see the npm lines "
                        + "above. Azurite needs Node.js and npm on the PATH and the npm registry reachable");
            }
            // in place all at once: an interrupted install leaves no half-filled folder behind
            Files.move(staging, home, StandardCopyOption.ATOMIC_MOVE);
            System.out.println("[AzuriteServer] azurite installed");
            return bin;
        }
    }

    private static AzuriteServer start(Path bin) throws IOException, InterruptedException {
        Path data = Files.createTempDirectory("sluice-azurite-");
        Process process = new ProcessBuilder(
                        bin.toString(),
                        "--blobHost",
                        "127.0.0.1",
                        "--blobPort",
                        "0",
                        "--location",
                        data.toString(),
                        "--skipApiVersionCheck",
                        "--loose",
                        "--silent",
                        "--disableTelemetry")
                .redirectErrorStream(true)
                .start();
        // port 0: Azurite takes a free port and prints it
        BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder said = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    synchronized (said) {
                        said.append(line).append('\n');
                        said.notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
        synchronized (said) {
            while (true) {
                Matcher m = LISTENING.matcher(said);
                if (m.find()) {
                    return new AzuriteServer(process, data, Integer.parseInt(m.group(2)));
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || !process.isAlive()) {
                    process.destroyForcibly();
                    reader.interrupt();
                    deleteTree(data);
                    throw new IOException("Azurite (" + bin + ") did not start within " + START_TIMEOUT_SECONDS
                            + "s; it said:\n" + said);
                }
                said.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    private void stop() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            deleteTree(data);
        } catch (IOException | InterruptedException e) {
            System.err.println("[AzuriteServer] could not clean up " + data + ": " + e);
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = AzuriteServer.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IOException(RESOURCES + name + " is missing from the class path (sluice-testkit)");
            }
            return in.readAllBytes();
        }
    }

    private static String sha256(byte[]... parts) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                d.update(p);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            List<Path> paths = all.sorted(Comparator.reverseOrder()).toList();
            for (Path p : paths) {
                Files.deleteIfExists(p);
            }
        }
    }
}
