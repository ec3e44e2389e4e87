package io.sluice.pool;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The release archive sluice-dist builds at {@code package}, for tests that run Sluice as a user would: {@link
 * #home()} is its unpacked copy ({@code bin/sluice}, {@code lib/}), {@link #archive()} the {@code .tar.gz}. Their paths
 * come from the system properties {@code sluice.dist.home} and {@code sluice.dist.archive} that this module's surefire
 * sets. A build that stops at {@code test} has no archive (sluice-dist removes the last one when its build starts, so
 * no test runs older code): run such tests with {@code package} or {@code install}. Public for tests in other packages
 * of this module.
 */
public final class Dist {
    private Dist() {}

    /** The unpacked archive: {@code home().resolve("bin/sluice")} is the command. */
    public static Path home() {
        return existing("sluice.dist.home");
    }

    public static Path archive() {
        return existing("sluice.dist.archive");
    }

    private static Path existing(String property) {
        String value = System.getProperty(property);
        if (value == null)
            throw new IllegalStateException("the system property " + property
                    + " is not set: run this test through Maven, whose surefire sets it (sluice-pool-it/pom.xml)");
        Path path = Path.of(value).normalize();
        if (!Files.exists(path))
            throw new IllegalStateException("no release archive at " + path
                    + ": sluice-dist builds it in the package phase; run `mvn -ntp -pl sluice-pool-it -am package"
                    + " -Dtest=... -Dsurefire.failIfNoSpecifiedTests=false` (package, not test) or ./test.sh");
        return path;
    }
}
