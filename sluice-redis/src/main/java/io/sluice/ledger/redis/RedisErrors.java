package io.sluice.ledger.redis;

import io.sluice.spi.LedgerException;
import io.sluice.spi.LedgerRefusedException;
import java.io.IOException;
import org.redisson.client.RedisConnectionException;
import org.redisson.client.RedisException;
import org.redisson.client.RedisOutOfMemoryException;
import org.redisson.client.RedisReadonlyException;
import org.redisson.client.RedisTimeoutException;
import org.redisson.client.RedisWrongPasswordException;

/** Turns Redisson's failures into messages that name the ledger and say what to do. */
final class RedisErrors {
    private RedisErrors() {}

    static LedgerException failure(RedisConfig config, String action, RedisException e) {
        String message = config.describe() + ": cannot " + action + ": " + explain(e);
        return refused(e) ? new LedgerRefusedException(message, e) : new LedgerException(message, e);
    }

    /** True when the server answered and refused this client (a password, an ACL): no wait makes it work. */
    private static boolean refused(RedisException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        return wrongPassword(e, 0) || message.contains("NOAUTH") || message.contains("NOPERM");
    }

    private static String explain(RedisException e) {
        String detail = " (" + e.getMessage() + ")";
        if (wrongPassword(e, 0)) {
            // checked first: Redisson wraps a refused AUTH at connect in a connection error
            return "authentication failed; check the password (state.redis.password or the url's user:password)" + " ("
                    + rootMessage(e) + ")";
        }
        if (lostConnection(e, 0)) return unreachable(" (" + rootMessage(e) + ")");
        return switch (e) {
            case RedisOutOfMemoryException m ->
                "Redis reached its maxmemory; raise it or free memory. The ledger "
                        + "needs maxmemory-policy noeviction (or volatile-*): evicted ledger keys lose claims" + detail;
            case RedisReadonlyException r -> "the server is a read-only replica; point the url at the primary" + detail;
            default ->
                e.getMessage() != null && e.getMessage().contains("NOAUTH")
                        ? "the server wants a password; set state.redis.password" + detail
                        : e.getMessage();
        };
    }

    private static boolean wrongPassword(Throwable t, int depth) {
        if (t == null || depth > 10) return false;
        if (t instanceof RedisWrongPasswordException
                || (t.getMessage() != null && t.getMessage().startsWith("WRONGPASS"))) {
            return true;
        }
        for (Throwable s : t.getSuppressed()) {
            if (wrongPassword(s, depth + 1)) return true;
        }
        return t.getCause() != t && wrongPassword(t.getCause(), depth + 1);
    }

    /** Redisson reports a refused connection as a generic exception with the cause attached or suppressed. */
    private static boolean lostConnection(Throwable t, int depth) {
        if (t == null || depth > 10) return false;
        if (t instanceof RedisConnectionException || t instanceof RedisTimeoutException || t instanceof IOException) {
            return true;
        }
        for (Throwable s : t.getSuppressed()) {
            if (lostConnection(s, depth + 1)) return true;
        }
        return t.getCause() != t && lostConnection(t.getCause(), depth + 1);
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        if (root == t && t.getSuppressed().length > 0) return rootMessage(t.getSuppressed()[0]);
        return root.getMessage();
    }

    private static String unreachable(String detail) {
        return "the server is unreachable or not answering" + detail + "; check that Redis runs and accepts "
                + "connections at this url. Nothing is lost meanwhile: a split this worker holds is taken over by "
                + "another worker when its lease runs out, and calls work again once the server is back";
    }
}
