package io.sluice.sources.files;

import io.sluice.config.Validator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The visible files a listing saw that no include glob took, kept while none matched: when the globs match nothing,
 * a user who mistyped one learns what is there, the nearest files first, and why they were not taken.
 */
final class NoMatch {
    /** Enough to find the nearest files in any folder a user would mistype a glob for. */
    private static final int KEEP = 10_000;

    private static final int SHOWN = 3;

    private final Globs globs;
    private final List<String> seen = new ArrayList<>();
    private boolean matched;

    NoMatch(Globs globs) {
        this.globs = globs;
    }

    /** A file the globs took: from now on there is nothing to report. */
    void matched() {
        matched = true;
        seen.clear();
    }

    void unmatched(String key) {
        if (!matched && seen.size() < KEEP) seen.add(key);
    }

    /** Whether a file the globs left out still matters (cheaper listings skip the work when not). */
    boolean collecting() {
        return !matched;
    }

    /** What to tell the user, or empty when some file matched. */
    Optional<String> message(String root) {
        if (matched) return Optional.empty();
        if (seen.isEmpty()) return Optional.of("no file under " + root + " yet");
        List<String> nearest = seen.stream()
                .sorted(Comparator.comparingInt((String k) -> hint(k).isEmpty() ? 1 : 0)
                        .thenComparingInt(k -> -commonSuffix(k))
                        .thenComparingInt(this::distance)
                        .thenComparing(Comparator.naturalOrder()))
                .limit(SHOWN)
                .toList();
        String why = hint(nearest.getFirst())
                .orElse("globs are relative to source.files.path, and match the whole path below it");
        return Optional.of("source.files.include " + quoted(globs.includes()) + " matches no file under " + root
                + " (it holds " + seen.size() + (seen.size() == KEEP ? "+" : "") + " other file(s); nearest: "
                + String.join(", ", nearest) + "); " + why);
    }

    /** Why a file the user probably meant was not taken, when a usual mistake explains it. */
    private Optional<String> hint(String key) {
        Path rel = Path.of(key);
        for (String glob : globs.includes()) {
            if (!glob.startsWith("**") && Globs.matches("**/" + glob, rel)) {
                return Optional.of("`*` stays within one folder, so \"" + glob + "\" does not match " + key
                        + ": write \"**/" + glob + "\" to read nested folders too");
            }
            if (Globs.matches(glob.toLowerCase(Locale.ROOT), Path.of(key.toLowerCase(Locale.ROOT)))) {
                return Optional.of("globs are case-sensitive: \"" + glob + "\" does not match " + key);
            }
        }
        if (globs.included(rel) && globs.excluded(rel)) {
            return Optional.of("source.files.exclude " + quoted(globs.excludes()) + " leaves out " + key);
        }
        return Optional.empty();
    }

    private int commonSuffix(String key) {
        int best = 0;
        for (String glob : globs.includes()) {
            int n = 0;
            while (n < key.length()
                    && n < glob.length()
                    && key.charAt(key.length() - 1 - n) == glob.charAt(glob.length() - 1 - n)) n++;
            best = Math.max(best, n);
        }
        return best;
    }

    private int distance(String key) {
        return globs.includes().stream()
                .mapToInt(g -> Validator.distance(g, key))
                .min()
                .orElse(0);
    }

    private static String quoted(List<String> globs) {
        return String.join(", ", globs.stream().map(g -> "\"" + g + "\"").toList());
    }
}
