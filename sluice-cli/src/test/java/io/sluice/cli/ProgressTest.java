package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.planning.Plan;
import io.sluice.spi.source.Skipped;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a run says of its plans on standard error. */
class ProgressTest {
    /**
     * Inputs still being written are said with the option that decides when they are read, and its value: a run that
     * waits on a file a writer keeps touching, or a settle written too long, is then found in the pipeline file.
     */
    @Test
    void inputsStillBeingWrittenAreSaidWithTheSettleThatDecidesWhenTheyAreRead() {
        StringWriter err = new StringWriter();
        Plan plan = new Plan(
                List.of(),
                List.of(
                        Skipped.waiting("a.csv", "still changing", 2_000),
                        Skipped.waiting("b.csv", "still changing", 2_000),
                        Skipped.because("c.tmp", "left out by exclude")),
                List.of());
        try (Progress progress =
                Progress.create("none", "orders", new PrintWriter(new StringWriter()), new PrintWriter(err))) {
            progress.planned(plan);
        }
        assertThat(err.toString())
                .isEqualTo("orders: planned 0 new split(s); 1 input(s) skipped, 2 still being written "
                        + "(source.files.settle is 2s: a file is read once it has not changed for that long)"
                        + System.lineSeparator());
    }
}
