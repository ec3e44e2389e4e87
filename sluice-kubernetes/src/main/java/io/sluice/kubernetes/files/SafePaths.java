package io.sluice.kubernetes.files;

import java.io.IOException;
import java.nio.file.Path;

/** A relative path from a URL, made a path under a folder, or refused: no way out of the folder, by name or by link. */
final class SafePaths {
    private SafePaths() {}

    /**
     * {@code relative} under {@code root} (absolute and normalized).
     *
     * @throws IllegalArgumentException when it is absolute, empty, has an empty, {@code .} or {@code ..} segment, a
     *                                  backslash or a NUL, or leads out of {@code root}
     */
    static Path under(Path root, String relative) {
        if (relative.isEmpty() || relative.startsWith("/") || relative.contains("\\") || relative.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("not a relative path: " + relative);
        }
        for (String segment : relative.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("not a plain relative path: " + relative);
            }
        }
        Path p = root.resolve(relative).normalize();
        if (!p.startsWith(root) || p.equals(root))
            throw new IllegalArgumentException("outside the folder: " + relative);
        return p;
    }

    /** An existing {@link #under} path whose real location (links followed) is still under {@code root}'s. */
    static Path existingUnder(Path root, String relative) throws IOException {
        Path p = under(root, relative);
        Path real = p.toRealPath();
        if (!real.startsWith(root.toRealPath())) {
            throw new IllegalArgumentException("a link out of the folder: " + relative);
        }
        return real;
    }
}
