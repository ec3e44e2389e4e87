package io.sluice.pool;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import redis.embedded.RedisServer;

/**
 * Real ledger servers on random loopback ports, started by the test JVM: PostgreSQL (zonky's packaged binaries),
 * redis-server 6.2 (embedded-redis's binary), DynamoDB Local (in this JVM). Each can be stopped and started again
 * on the same port with the same data, as a restarted server would be.
 */
final class Servers {
    private Servers() {}

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** PostgreSQL keeping its data in {@code dir}: stop it with close(), start it again on the same port. */
    static EmbeddedPostgres postgres(int port, Path dir) {
        try {
            return EmbeddedPostgres.builder()
                    .setPort(port)
                    .setDataDirectory(dir)
                    .setCleanDataDirectory(false)
                    .setServerConfig("fsync", "off")
                    .setServerConfig("max_connections", "200")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** redis-server with an append-only file (fsync always) in {@code dir}, so a restart keeps every write. */
    static RedisServer redis(int port, Path dir) {
        try {
            RedisServer server = RedisServer.newRedisServer()
                    .port(port)
                    .bind("127.0.0.1")
                    .setting("save \"\"")
                    .setting("dir " + dir)
                    .setting("appendonly yes")
                    .setting("appendfsync always")
                    .build();
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void stop(RedisServer server) {
        try {
            server.stop();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** DynamoDB Local in this JVM, in memory; its threads are not daemons, so stop it. */
    static DynamoDBProxyServer dynamo(int port) {
        try {
            DynamoDBProxyServer server = ServerRunner.createServerFromCommandLineArgs(
                    new String[] {"-inMemory", "-port", String.valueOf(port)});
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
}
