package io.sluice.kubernetes.files;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** The file server alone in a JVM (for the large-file test): serves one file as split "big", prints its URL. */
public final class FileServerMain {
    private FileServerMain() {}

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        String file = args[1];
        FileServer server = FileServer.start(
                FileServer.Settings.of(root, SigningKey.fromBase64(args[2])),
                id -> id.equals("big") ? Set.of(file) : Set.of());
        URI url = server.urlsFor("big", List.of(file), Duration.ofMinutes(10)).getFirst();
        System.out.println("heap " + Runtime.getRuntime().maxMemory());
        System.out.println("URL " + url);
        Thread.sleep(Long.MAX_VALUE);
    }
}
