package io.sluice.spi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Local folders that connectors and the runner make for a while: staging, scratch, samples. */
public final class Folders {
    private Folders() {}

    /**
     * {@code file}'s path under {@code folder} with {@code /} between names, whatever the platform's separator: the
     * form of an output's or input's key, the same on every machine (on Linux a {@code \\} is a character of a name,
     * and stays one).
     */
    public static String key(Path folder, Path file) {
        return folder.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }

    /** Deletes {@code dir} and everything under it; nothing when it does not exist. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
