package io.sluice.ledger.redis;

import io.sluice.config.Secret;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a Redis ledger lives and how to reach it.
 *
 * @param url       {@code redis://[user:password@]host:6379/0}, or {@code rediss://} for TLS; a secret, as it may
 *                  carry a password
 * @param password  null to take it from the url (or none)
 * @param keyPrefix every key of the ledger starts with it (then the pipeline's name in braces)
 * @param bloom     the optional negative cache in front of the exact digest set
 * @param timeout   how long a call waits for the server (connecting or answering) before it fails
 */
public record RedisConfig(Secret url, Secret password, String keyPrefix, Optional<Bloom> bloom, Duration timeout) {
    public static final String DEFAULT_KEY_PREFIX = "sluice";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    /** A bloom filter sized for {@code expected} digests with this false-positive probability. */
    public record Bloom(long expected, double fpp) {
        public Bloom {
            if (expected < 1) throw new IllegalArgumentException("expected must be >= 1");
            if (!(fpp > 0 && fpp < 1)) throw new IllegalArgumentException("fpp must be between 0 and 1: " + fpp);
        }
    }

    public RedisConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        Objects.requireNonNull(bloom, "bloom");
        URI uri = uri(url);
        if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("not a Redis url (redis://host:6379/0): " + url);
        }
        if (keyPrefix.contains("{") || keyPrefix.contains("}")) {
            throw new IllegalArgumentException("key prefix must not contain braces: " + keyPrefix);
        }
        if (timeout.toMillis() < 100) throw new IllegalArgumentException("timeout must be >= 100ms");
    }

    /** For code and tests: a url given as a plain string. */
    public static RedisConfig of(String url) {
        return new RedisConfig(Secret.url(url), null, DEFAULT_KEY_PREFIX, Optional.empty(), DEFAULT_TIMEOUT);
    }

    public RedisConfig withKeyPrefix(String prefix) {
        return new RedisConfig(url, password, prefix, bloom, timeout);
    }

    public RedisConfig withBloom(Bloom b) {
        return new RedisConfig(url, password, keyPrefix, Optional.of(b), timeout);
    }

    public RedisConfig withTimeout(Duration t) {
        return new RedisConfig(url, password, keyPrefix, bloom, t);
    }

    /** The server address as Redisson wants it: scheme, host and port only. */
    String address() {
        URI uri = uri(url);
        return uri.getScheme() + "://" + uri.getHost() + ":" + (uri.getPort() < 0 ? 6379 : uri.getPort());
    }

    int database() {
        String path = uri(url).getPath();
        return path == null || path.length() <= 1 ? 0 : Integer.parseInt(path.substring(1));
    }

    /** A user (null for the default user) and password written in the url. */
    record Credentials(String user, String password) {}

    Optional<Credentials> credentials() {
        String info = uri(url).getUserInfo();
        if (info == null) return Optional.empty();
        int colon = info.indexOf(':');
        return Optional.of(
                colon < 0
                        ? new Credentials(null, info)
                        : new Credentials(colon == 0 ? null : info.substring(0, colon), info.substring(colon + 1)));
    }

    /** For messages: the url without any password it carries, and the key prefix. */
    public String describe() {
        return "Redis ledger " + url + " (key prefix " + keyPrefix + ")";
    }

    /** The url parsed; an error shows it masked (URI's own message quotes the whole url, password included). */
    private static URI uri(Secret url) {
        try {
            return new URI(url.reveal());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException(
                    "not a valid url: " + url + " (" + e.getReason() + " at index " + e.getIndex() + ")");
        }
    }

    @Override
    public String toString() {
        return describe();
    }
}
