package io.sluice.ledger.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The Lua scripts the ledger runs; each is atomic in Redis. Sources are resources beside this class. */
enum Script {
    REGISTER, KNOWN, CLAIM, HEARTBEAT, CURRENT, COMPLETE, FAIL, RELEASE, COUNTS, SPLITS, RETRY, RESET, TRASH,
    ANNOUNCE, WORKERS, RETIRE, LEAD;

    private final String source = Common.SOURCE + read(name().toLowerCase(java.util.Locale.ROOT));

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
