package io.sluice.sources.files;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The settings of a files source of csv files with a header on a store, as a pipeline's defaults make them. */
final class CsvSettings {
    private CsvSettings() {}

    /**
     * @param marker the marker file that says a folder is complete, if any
     * @param after  what is done with an input once read; null: nothing
     */
    static FilesSource.Settings of(Storage storage, Optional<String> marker, After after) {
        return new FilesSource.Settings(
                storage,
                new Globs(List.of("**/*.csv"), List.of()),
                Optional.empty(),
                true,
                true,
                java.util.Map.of(),
                "utf-8",
                null,
                false,
                Rotated.none(),
                Duration.ZERO,
                marker,
                false,
                true,
                64L << 20,
                1000,
                64L << 20,
                Optional.empty(),
                after,
                Optional.empty());
    }
}
