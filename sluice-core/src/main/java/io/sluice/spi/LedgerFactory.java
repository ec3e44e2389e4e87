package io.sluice.spi;

/** Opens a ledger backend for one pipeline from validated {@code state:} options. */
public interface LedgerFactory<O> extends ComponentFactory<O> {
    Ledger open(O options, PipelineContext context);

    /**
     * Fails when the ledger cannot be opened, for {@code sluice validate}; a ledger kept on the local disk changes
     * nothing there (no file or folder is created). The default opens the ledger and closes it again.
     */
    default void check(O options, PipelineContext context) {
        open(options, context).close();
    }

    /**
     * The ledger as it is, for {@code sluice validate} to read what earlier runs registered; empty when there is none
     * yet, and then nothing is created (as for {@link #check}). The default opens it, as {@link #check} does.
     */
    default java.util.Optional<Ledger> openExisting(O options, PipelineContext context) {
        return java.util.Optional.of(open(options, context));
    }

    /** Where the ledger lives, for messages ("SQLite ledger .sluice/x.db"). */
    String describe(O options);

    /**
     * True for a ledger that lives inside the process that opened it ({@code memory}): it is gone when the process
     * ends, and no other process can see it. Commands that need the state of another process ({@code status},
     * {@code retry}, {@code worker}) refuse such a ledger, and {@code run} warns about it.
     */
    default boolean inProcess() {
        return false;
    }
}
