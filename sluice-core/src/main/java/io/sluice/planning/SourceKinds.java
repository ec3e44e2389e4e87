package io.sluice.planning;

import io.sluice.config.ConfigException;
import io.sluice.config.ConfigProblem;
import io.sluice.config.Options;
import io.sluice.pipeline.Components;
import io.sluice.spi.source.KnownSplits;
import io.sluice.spi.source.SourceFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Which source kind registered a split, told by its id ({@link SourceFactory#splitIds}): a pipeline whose source kind
 * changed under one ledger (files to jdbc, jdbc to bigquery) would otherwise register the new kind's splits beside the
 * earlier kind's done ones, and its sink would hold both outputs. A plan checks it ({@link Planner}), and so does
 * {@code sluice validate} against the ledger of earlier runs.
 */
public final class SourceKinds {
    /** The kinds whose ids a pattern tells apart, by kind. */
    private final Map<String, Pattern> patterned;
    /** The kinds whose ids are their inputs' names (files): the ids no pattern matches. */
    private final List<String> named;

    SourceKinds(Map<String, Optional<Pattern>> kinds) {
        Map<String, Pattern> p = new TreeMap<>();
        List<String> n = new ArrayList<>();
        kinds.forEach((kind, ids) -> ids.ifPresentOrElse(pattern -> p.put(kind, pattern), () -> n.add(kind)));
        this.patterned = java.util.Collections.unmodifiableMap(p); // in order of kind, as a message names them
        this.named = n.stream().sorted().toList();
    }

    private static volatile SourceKinds discovered;

    /**
     * The kinds of the sources on the class path, as the component registry finds them ({@link Components#discover}),
     * which refuses two sources claiming one kind: a loop of its own kept the last of them, silently.
     */
    static SourceKinds discover() {
        SourceKinds found = discovered;
        if (found != null) return found;
        found = of(Components.discover());
        discovered = found;
        return found;
    }

    /** The kinds of the registry's sources. */
    public static SourceKinds of(Components components) {
        Map<String, Optional<Pattern>> kinds = new TreeMap<>();
        components.sources().forEach((kind, f) -> kinds.put(kind, f.splitIds()));
        return new SourceKinds(kinds);
    }

    /**
     * The kind (or kinds, when the id fits several) that registered the split, when it cannot be {@code own}'s;
     * empty when it may be {@code own}'s, or when no kind on the class path fits it (nothing to name: not refused).
     */
    Optional<String> other(String own, String splitId) {
        List<String> fitting = new ArrayList<>();
        patterned.forEach((kind, ids) -> {
            if (ids.matcher(splitId).matches()) fitting.add(kind);
        });
        if (fitting.isEmpty()) fitting.addAll(named);
        if (fitting.isEmpty() || fitting.contains(own)) return Optional.empty();
        return Optional.of(String.join(" or ", fitting));
    }

    /**
     * Refuses to plan when the ledger's newest split is another source kind's; one look-up
     * ({@link KnownSplits#newestSplit}). A new ledger, or one reset, holds none.
     */
    public void check(KnownSplits ledger, Options.Selected source) {
        Optional<String> newest = ledger.newestSplit();
        if (newest.isEmpty()) return;
        Optional<String> other = other(source.kind(), newest.get());
        if (other.isEmpty()) return;
        String file = source.location().file();
        throw new ConfigException(new ConfigProblem(
                source.location(),
                source.path(),
                "the ledger holds splits of source kind " + other.get() + " (the newest: " + newest.get()
                        + "); this pipeline reads " + source.kind() + ", whose splits would be added beside them, and"
                        + " the sink would hold the output of both. Choose: sluice reset " + file
                        + " --delete-output --yes,"
                        + " then run, to remove the earlier output and read " + source.kind() + " anew; or give this"
                        + " pipeline another ledger (state) or pipeline name, to keep the earlier output apart"));
    }
}
