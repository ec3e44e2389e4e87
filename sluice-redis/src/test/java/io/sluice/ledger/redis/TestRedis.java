package io.sluice.ledger.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;
import redis.embedded.RedisServer;

/** One real redis-server per test JVM (the binary embedded-redis bundles, a random port); a key prefix per test. */
final class TestRedis {
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static int port;

    private TestRedis() {}

    static synchronized int port() {
        if (port == 0) {
            int p = freePort();
            RedisServer server = start(p, null);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(server)));
            port = p;
        }
        return port;
    }

    /** A server without persistence, or with an append-only file (fsync always) in {@code dir}. */
    static RedisServer start(int port, java.nio.file.Path dir) {
        try {
            var builder =
                    RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"");
            if (dir != null)
                builder.setting("dir " + dir).setting("appendonly yes").setting("appendfsync always");
            RedisServer server = builder.build();
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

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A key prefix no test used before, on the shared server. */
    static RedisConfig freshPrefix() {
        return RedisConfig.of("redis://127.0.0.1:" + port() + "/0").withKeyPrefix("t" + PREFIXES.incrementAndGet());
    }
}
