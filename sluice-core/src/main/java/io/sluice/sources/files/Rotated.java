package io.sluice.sources.files;

import java.nio.file.Path;
import java.util.Collection;
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
 * log from a finished rotation, but the names of the files listed beside it do: a rotation's name is derived from its
 * live log's ({@code app.log} gives {@code app.log.1}, {@code app.log-20261120}, {@code app-20261120.log}, or
 * {@code app.log} in another folder). A file it names is checked against the live logs listed with it (the matched
 * files it does not name), not against a pattern alone: {@code node-2.log} looks like a rotation of {@code node.log},
 * but is one only when a live {@code node.log} is there.
 */
final class Rotated {
    private static final String EXTENSIONS = "(?:log|txt|text|csv|tsv|jsonl|ndjson|json)";
    /**
     * A suffix after a log's extension ({@code app.log.1}, {@code app.log-20261120}, {@code app.log.old}): no logger
     * writes its live log under such a name, so it is a rotation also while its live log is not there (rotated away and
     * not created again yet, or removed for good with its service).
     */
    private static final Pattern AFTER_EXTENSION = Pattern.compile(".*\\." + EXTENSIONS + "[._-].+");
    /** A number or date between a name's stem and its extension: {@code -20261120}, {@code .2026-11-20}, {@code .1}. */
    private static final Pattern NUMBER = Pattern.compile("[._-][0-9][0-9._-]*");

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
     * Refuses a glob that names a live log among {@code matched} (every key the include globs match, settled or not):
     * throws {@link #liveNamed}'s error.
     */
    void checkNotLive(Collection<String> matched) {
        Optional<RuntimeException> e = liveNamed(matched);
        if (e.isPresent()) throw e.get();
    }

    /**
     * The error about the option when a glob names a live log among {@code matched}: the first of {@link #liveNamedAll}.
     */
    Optional<RuntimeException> liveNamed(Collection<String> matched) {
        return liveNamedAll(matched).values().stream().findFirst();
    }

    /**
     * Each file of {@code matched} a glob names that is taken for a live log, with the error about the option, in the
     * order listed: an uncompressed file a glob names that is no rotation of a live log (the matched uncompressed files
     * it does not name), and has no suffix after a log extension. A gzipped file is a finished rotation whatever its
     * name.
     */
    Map<String, RuntimeException> liveNamedAll(Collection<String> matched) {
        if (globs.isEmpty()) return Map.of();
        List<String> live = matched.stream()
                .filter(k -> !Formats.compressed(k) && !names(k))
                .toList();
        Map<String, RuntimeException> refused = new LinkedHashMap<>();
        for (String key : matched) {
            Optional<String> glob = glob(key);
            if (glob.isEmpty() || Formats.compressed(key)) continue;
            if (AFTER_EXTENSION.matcher(name(key).toLowerCase(Locale.ROOT)).matches()) continue;
            if (live.stream().anyMatch(l -> rotationOf(key, l))) continue;
            String name = name(key);
            refused.put(
                    key,
                    problem.apply("\"" + glob.get() + "\" names " + key
                            + ", which is no rotation of a live log listed beside it (a rotation's name is its live log's"
                            + " with a mark: " + name + ".1, " + stem(name) + "-20261120" + extension(name) + ", or "
                            + name + " in another folder; the live logs are the files include matches and rotated does"
                            + " not name), so it is taken for a live log: named as a finished rotation, a short one"
                            + " would be read whole, and again from its start once it has grown past 256 bytes. Name"
                            + " the rotations only, by the mark each gets after the log's name: \"" + name
                            + ".[0-9]*\" (" + name + ".1, " + name + ".2.gz) or \"" + name + "-[0-9]*\" (dates); a"
                            + " glob such as \"*.log.[0-9]*\" names no live log"));
        }
        return refused;
    }

    /**
     * Whether {@code key}'s name is derived from the live log {@code live}'s: the live name and a mark after it
     * ({@code app.log.1}, {@code app.log-20261120}), a number or date between its stem and extension
     * ({@code app.1.log}, {@code app-20261120.log}), or the live name itself in another folder ({@code old/app.log},
     * logrotate's {@code olddir}).
     */
    static boolean rotationOf(String key, String live) {
        String name = name(key);
        String liveName = name(live);
        if (name.equals(liveName)) return !folder(key).equals(folder(live));
        if (name.length() > liveName.length() + 1
                && name.startsWith(liveName)
                && "._-".indexOf(name.charAt(liveName.length())) >= 0) return true;
        String stem = stem(liveName);
        String extension = extension(liveName);
        return name.startsWith(stem)
                && name.endsWith(extension)
                && name.length() > stem.length() + extension.length()
                && NUMBER.matcher(name.substring(stem.length(), name.length() - extension.length()))
                        .matches();
    }

    private Optional<String> glob(String key) {
        if (globs.isEmpty()) return Optional.empty();
        Path path = Path.of(key);
        return globs.entrySet().stream()
                .filter(g -> g.getValue().included(path))
                .map(Map.Entry::getKey)
                .findFirst();
    }

    private static String name(String key) {
        return key.substring(key.lastIndexOf('/') + 1);
    }

    private static String folder(String key) {
        return key.substring(0, key.lastIndexOf('/') + 1);
    }

    /** The name without its extension ({@code app} of {@code app.log}; a name without a dot is all stem). */
    private static String stem(String name) {
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? name : name.substring(0, dot);
    }

    private static String extension(String name) {
        return name.substring(stem(name).length());
    }
}
