package io.sluice.sources.files;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;

/** Include and exclude globs over paths relative to the source folder. */
final class Globs {
    private final List<PathMatcher> include;
    private final List<PathMatcher> exclude;

    Globs(List<String> include, List<String> exclude) {
        this.include = compile(include);
        this.exclude = compile(exclude);
    }

    boolean matches(Path relative) {
        return include.stream().anyMatch(m -> m.matches(relative)) && exclude.stream().noneMatch(m -> m.matches(relative));
    }

    /** Java's {@code **}{@code /x} needs a folder; users expect it to match top-level files too, so add {@code x}. */
    private static List<PathMatcher> compile(List<String> globs) {
        List<PathMatcher> out = new ArrayList<>();
        for (String g : globs) {
            out.add(FileSystems.getDefault().getPathMatcher("glob:" + g));
            if (g.startsWith("**/")) out.add(FileSystems.getDefault().getPathMatcher("glob:" + g.substring(3)));
        }
        return out;
    }
}
