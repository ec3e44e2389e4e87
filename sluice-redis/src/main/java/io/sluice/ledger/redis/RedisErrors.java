package io.sluice.ledger.redis;

import io.sluice.spi.LedgerException;
import io.sluice.spi.LedgerRefusedException;
import java.io.IOException;
import java.util.function.Predicate;
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
        return LedgerRefusedException.when(refused(e), message, e);
    }

    /** True when the server answered and refused this client (a password, an ACL): no wait makes it work. */
    private static boolean refused(RedisException e) {
        return wrongPassword(e) || noAuth(e) || noPermission(e);
    }

    private static String explain(RedisException e) {
        String detail = " (" + e.getMessage() + ")";
        if (wrongPassword(e)) {
            // checked first: Redisson wraps a refused AUTH at connect in a connection error
            return "authentication failed; check the password (state.redis.password or the url's user:password)" + " ("
                    + rootMessage(e) + ")";
        }
        if (noAuth(e)) {
            // checked before a lost connection too: a connection without a password is refused at connect
            return "the server wants a password; set state.redis.password" + " (" + rootMessage(e) + ")";
        }
        if (noPermission(e)) {
            // checked before a lost connection too: an ACL may refuse the connection's SELECT of the url's database
            return "the server's ACL refuses this user a command the ledger runs; allow it, or use another user ("
                    + rootMessage(e) + ")";
        }
        if (lostConnection(e)) return unreachable(" (" + rootMessage(e) + ")");
        return switch (e) {
            case RedisOutOfMemoryException m ->
                "Redis reached its maxmemory; raise it or free memory. The ledger "
                        + "needs maxmemory-policy noeviction (or volatile-*): evicted ledger keys lose claims" + detail;
            case RedisReadonlyException r -> "the server is a read-only replica; point the url at the primary" + detail;
            default -> e.getMessage();
        };
    }

    private static boolean wrongPassword(Throwable e) {
        return anywhere(
                e,
                0,
                t -> t instanceof RedisWrongPasswordException
                        || (t.getMessage() != null && t.getMessage().startsWith("WRONGPASS")));
    }

    /** A NOAUTH reply, on a call or (wrapped in a connection error) on the connection's first command. */
    private static boolean noAuth(Throwable e) {
        return anywhere(e, 0, t -> t.getMessage() != null && t.getMessage().contains("NOAUTH"));
    }

    /** A NOPERM reply (an ACL), on a call or (wrapped in a connection error) on the connection's first command. */
    private static boolean noPermission(Throwable e) {
        return anywhere(e, 0, t -> t.getMessage() != null && t.getMessage().contains("NOPERM"));
    }

    /** Redisson reports a refused connection as a generic exception with the cause attached or suppressed. */
    private static boolean lostConnection(Throwable e) {
        return anywhere(
                e,
                0,
                t -> t instanceof RedisConnectionException
                        || t instanceof RedisTimeoutException
                        || t instanceof IOException);
    }

    /** True when {@code t}, a cause or a suppressed exception of it (Redisson attaches either) matches. */
    private static boolean anywhere(Throwable t, int depth, Predicate<Throwable> matches) {
        if (t == null || depth > 10) return false;
        if (matches.test(t)) return true;
        for (Throwable s : t.getSuppressed()) {
            if (anywhere(s, depth + 1, matches)) return true;
        }
        return t.getCause() != t && anywhere(t.getCause(), depth + 1, matches);
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        if (root == t && t.getSuppressed().length > 0) return rootMessage(t.getSuppressed()[0]);
        // a call cut off by a dropped connection may carry no message: its class says what it was
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }

    private static String unreachable(String detail) {
        return "the server is unreachable or not answering" + detail + "; check that Redis runs and accepts "
                + "connections at this url. Nothing is lost meanwhile: a split this worker holds is taken over by "
                + "another worker when its lease runs out, and calls work again once the server is back";
    }
}
