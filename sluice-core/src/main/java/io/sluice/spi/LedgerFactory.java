package io.sluice.spi;

/** Opens a ledger backend for one pipeline from validated {@code state:} options. */
public interface LedgerFactory extends ComponentFactory {
    Ledger open(Object options, PipelineContext context);

    /** Where the ledger lives, for messages ("SQLite ledger .sluice/x.db"). */
    String describe(Object options);
}
