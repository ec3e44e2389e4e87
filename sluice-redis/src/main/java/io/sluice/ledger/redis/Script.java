package io.sluice.ledger.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The Lua scripts the ledger runs; each is atomic in Redis. Sources are resources beside this class: common.lua,
 * then the parts a script shares with others, then its own file (its name in lower case).
 */
enum Script {
    REGISTER("registration"),
    REPLACE("registration"),
    KNOWN,
    LATEST_DONE,
    INCARNATION,
    SPLIT,
    NEWEST,
    CLAIM("token", "grant"),
    CLAIM_NAMED("token", "grant"),
    HEARTBEAT,
    CURRENT,
    COMPLETE("tally"),
    FAIL,
    RELEASE,
    EXPIRE,
    LOCK("token", "locks"),
    HOLDS("locks"),
    HOLDER("locks"),
    UNLOCK("locks"),
    COUNTS,
    SPLITS("info"),
    SPLITS_NAMED("info"),
    RETRY,
    DONE_TOTALS("tally"),
    REQUEUE("tally"),
    REPLAY,
    RESET,
    TRASH,
    ANNOUNCE,
    WORKERS,
    RETIRE,
    LEAD;

    private final String source;

    Script(String... parts) {
        StringBuilder all = new StringBuilder(Common.SOURCE);
        for (String part : parts) all.append(read(part));
        source = all.append(read(name().toLowerCase(Locale.ROOT))).toString();
    }

    /** A holder: an enum's own static fields are not yet set while its constants are built. */
    private static final class Common {
        static final String SOURCE = read("common");
    }

    String source() {
        return source;
    }

    private static String read(String name) {
        try (InputStream in = Script.class.getResourceAsStream(name + ".lua")) {
            if (in == null) throw new IllegalStateException("missing script " + name + ".lua");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
