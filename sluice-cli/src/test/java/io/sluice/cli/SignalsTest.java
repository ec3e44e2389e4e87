package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.runner.RunStats;
import io.sluice.runner.RunSummary;
import io.sluice.runner.Runner;
import io.sluice.spi.LedgerException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** The second Ctrl-C quits at once, also when the ledger does not take the splits back (an outage). */
class SignalsTest {
    private final StringWriter err = new StringWriter();
    private final AtomicInteger haltedWith = new AtomicInteger(-1);

    @Test
    void theSecondSignalHaltsThoughGivingTheSplitsBackFails() {
        SignalHandler handler = handler(() -> {
            throw new LedgerException("the ledger is unreachable: connection refused", null);
        });

        handler.handle(new Signal("INT"));
        assertThat(haltedWith).as("the first signal only stops claiming").hasValue(-1);
        handler.handle(new Signal("INT"));

        assertThat(haltedWith).as("halted with 3").hasValue(3);
        assertThat(err.toString())
                .contains("could not be given back (the ledger is unreachable: connection refused)")
                .contains("once their lease runs out");
    }

    @Test
    void theSecondSignalNamesTheSplitsNotGivenBack() {
        SignalHandler handler = handler(() -> List.of("s2 (the ledger is unreachable)"));

        handler.handle(new Signal("TERM"));
        handler.handle(new Signal("TERM"));

        assertThat(haltedWith).hasValue(3);
        assertThat(err.toString())
                .contains("except s2 (the ledger is unreachable)")
                .contains("lease runs out");
    }

    private SignalHandler handler(Supplier<List<String>> releaseAll) {
        Runner runner = new Runner() {
            @Override
            public RunSummary run() {
                throw new UnsupportedOperationException();
            }

            @Override
            public RunStats stats() {
                return new RunStats();
            }

            @Override
            public void requestStop() {}

            @Override
            public List<String> releaseAll() {
                return releaseAll.get();
            }
        };
        return Signals.handler(runner, new PrintWriter(err), haltedWith::set);
    }
}
