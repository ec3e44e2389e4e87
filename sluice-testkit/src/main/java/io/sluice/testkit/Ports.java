package io.sluice.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** Ports for the servers a test starts (a worker's probes, a metrics endpoint, a file server). */
public final class Ports {
    private Ports() {}

    /** A port no socket of this machine holds now: the system's pick, closed again for the test's server to take. */
    public static int free() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
