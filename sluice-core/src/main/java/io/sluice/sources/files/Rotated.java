package io.sluice.sources.files;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The files {@code source.files.rotated} names as finished rotations of tailed logs, and the guard that none of them is
 * a live log. A short file it names is read whole, known by its bytes and time: a live log named so would be read
 * whole, again at each change, and again from its start once it passes 256 bytes. Nothing in a file tells a quiet live
 * log from a finished rotation, but their names do: a rotation's name carries a mark after its log's name (logrotate's
 * {@code app.log.1}, {@code app.log-20261120}, {@code app-20261120.log}); a name without one ({@code app.log}) is the
 * name a live log is written under, and a glob that names it is refused.
 */
final class Rotated {
    private static final String EXTENSIONS = "(?:log|txt|text|csv|tsv|jsonl|ndjson|json)";
    /** A suffix after the log's extension: {@code app.log.1}, {@code app.log-20261120}, {@code app.log.old}. */
    private static final Pattern AFTER_EXTENSION = Pattern.compile(".*\\." + EXTENSIONS + "[._-].+");
    /** A number or date ending the name before its extension: {@code app-20261120.log}, {@code app.2026-11-20.log}. */
    private static final Pattern NUMBERED = Pattern.compile(".*[._-][0-9][0-9._-]*(?:\\." + EXTENSIONS + ")?");

    /** Each glob as written, with its matcher compiled once: every listed key of every plan is matched. */
    private final Map<String, Globs> globs = new LinkedHashMap<>();

    private final Function<String, RuntimeException> problem;

    /**
     * @param globs   the globs as written
     * @param problem the error about the option for a message (its file and line), for a glob that names a live log
     */
    Rotated(List<String> globs, Function<String, RuntimeException> problem) {
        for (String g : globs) this.globs.put(g, new Globs(List.of(g), List.of()));
        this.problem = problem;
    }

    /** No glob: no file is a finished rotation but a gzipped one. */
    static Rotated none() {
        return new Rotated(List.of(), IllegalArgumentException::new);
    }

    /** Whether {@code key} (relative to the source's folder) is a finished rotation. */
    boolean names(String key) {
        return glob(key).isPresent();
    }

    /**
     * Refuses a glob that names {@code key}, an uncompressed file whose name has no rotation mark: the live log's
     * (a gzipped file is a finished rotation whatever its name).
     */
    void checkNotLive(String key) {
        Optional<String> glob = glob(key);
        if (glob.isEmpty() || Formats.compressed(key) || rotationMark(key)) return;
        String name = key.substring(key.lastIndexOf('/') + 1);
        throw problem.apply("\"" + glob.get() + "\" names " + key + ", whose name has no rotation mark, so it is a live"
                + " log: named as a finished rotation, a short one would be read whole, and again from its start once"
                + " it has grown past 256 bytes. Name the rotations only, by the mark each gets after the log's name:"
                + " \"" + name + ".[0-9]*\" (" + name + ".1, " + name + ".2.gz) or \"" + name + "-[0-9]*\" (dates)"
                + "; a glob such as \"*.log.[0-9]*\" names no live log");
    }

    private Optional<String> glob(String key) {
        if (globs.isEmpty()) return Optional.empty();
        Path path = Path.of(key);
        return globs.entrySet().stream()
                .filter(g -> g.getValue().included(path))
                .map(Map.Entry::getKey)
                .findFirst();
    }

    /** Whether the file's name says it is a rotation: a suffix after its extension, or a number or date before it. */
    static boolean rotationMark(String key) {
        String name = key.substring(key.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        return AFTER_EXTENSION.matcher(name).matches() || NUMBERED.matcher(name).matches();
    }
}
