package io.sluice.ledger.dynamodb;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** One DynamoDB Local per test JVM (in-process, in memory, a random port); a table per test. */
final class TestDynamo {
    static final AwsCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
    private static final AtomicInteger TABLES = new AtomicInteger();
    private static int port;

    private TestDynamo() {}

    static synchronized int port() {
        if (port == 0) {
            int p = freePort();
            DynamoDBProxyServer server = start(p, null);
            // its threads are not daemons: without stop() the test JVM would never exit
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(server)));
            port = p;
        }
        return port;
    }

    /** A server in memory, or keeping its data in {@code dir} (to survive a restart). */
    static DynamoDBProxyServer start(int port, Path dir) {
        String[] args = dir == null
                ? new String[] {"-inMemory", "-port", String.valueOf(port)}
                : new String[] {"-dbPath", dir.toString(), "-sharedDb", "-port", String.valueOf(port)};
        try {
            DynamoDBProxyServer server = ServerRunner.createServerFromCommandLineArgs(args);
            server.start();
            return server;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start DynamoDB Local", e);
        }
    }

    static void stop(DynamoDBProxyServer server) {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop DynamoDB Local", e);
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static URI endpoint(int port) {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** A table no test used before, on the shared server. */
    static DynamoDbConfig freshTable() {
        return DynamoDbConfig.of("ledger-" + TABLES.incrementAndGet(), "us-east-1", endpoint(port()));
    }
}
