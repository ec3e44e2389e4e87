package io.sluice.sources.files;

import io.sluice.spi.storage.ObjectStore;

/** What {@code after:} does with a split's inputs once the split is committed and recorded done. */
sealed interface After {
    /** {@code after: { delete: true }} */
    record Delete() implements After {}

    /** {@code after: { move_to: URL }}: each input is copied under the target (same key), then deleted. */
    record MoveTo(ObjectStore target) implements After {}
}
