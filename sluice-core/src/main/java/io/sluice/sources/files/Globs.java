package io.sluice.sources.files;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;

/** Include and exclude globs over paths relative to the source folder. */
final class Globs {
    private final List<String> includeGlobs;
    private final List<String> excludeGlobs;
    private final List<PathMatcher> include;
    private final List<PathMatcher> exclude;

    Globs(List<String> include, List<String> exclude) {
        this.includeGlobs = List.copyOf(include);
        this.excludeGlobs = List.copyOf(exclude);
        this.include = compile(include);
        this.exclude = compile(exclude);
    }

    boolean matches(Path relative) {
        return included(relative) && !excluded(relative);
    }

    boolean included(Path relative) {
        return include.stream().anyMatch(m -> m.matches(relative));
    }

    boolean excluded(Path relative) {
        return exclude.stream().anyMatch(m -> m.matches(relative));
    }

    /** The include globs as written. */
    List<String> includes() {
        return includeGlobs;
    }

    List<String> excludes() {
        return excludeGlobs;
    }

    /** Whether one glob, as the user would write it, matches a path. */
    static boolean matches(String glob, Path relative) {
        return compile(List.of(glob)).stream().anyMatch(m -> m.matches(relative));
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
