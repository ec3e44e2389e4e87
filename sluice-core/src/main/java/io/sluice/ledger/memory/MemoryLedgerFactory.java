package io.sluice.ledger.memory;

import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.spi.Ledger;
import io.sluice.spi.LedgerFactory;
import io.sluice.spi.PipelineContext;

/** Declares {@code state: { memory: {} }}: a ledger in this process's memory, for tests and experiments. */
public final class MemoryLedgerFactory implements LedgerFactory<Options> {
    static final Type.Obj OPTIONS = Type.Obj.of("A ledger in the memory of the running process.");

    @Override
    public String kind() {
        return "memory";
    }

    @Override
    public Type<Options> options() {
        return OPTIONS;
    }

    @Override
    public String description() {
        return "The ledger in the memory of the running process, for tests and one-shot experiments. Everything it "
                + "holds is lost when the process ends: a crash or a second run starts from nothing and processes "
                + "every input again, and no other process (`sluice status`, `sluice worker`) can see it. Never use it "
                + "where exactly-once across restarts matters. See [the memory ledger](ledgers/memory.md).";
    }

    @Override
    public Ledger open(Options options, PipelineContext context) {
        return MemoryLedger.open(context.pipeline(), context.clock());
    }

    @Override
    public String describe(Options options) {
        return "memory ledger (lost when this process ends)";
    }

    @Override
    public boolean inProcess() {
        return true;
    }
}
