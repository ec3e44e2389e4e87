package io.sluice.runner;

import java.util.List;

/**
 * What runs a pipeline's splits for {@code sluice run}: the {@link LocalRunner} (threads in this process), or a runner
 * of {@code run.runner} found through a {@link RunnerFactory} (the {@code kubernetes} runner: one Job per split).
 */
public interface Runner {

    /** Plans, has the splits run, and returns when the run is over ({@code once}) or stopped ({@code watch}). */
    RunSummary run() throws Exception;

    /** The run's counters, for progress and the summary. */
    RunStats stats();

    /** Stop starting splits (the first Ctrl-C, SIGTERM); what is in flight finishes. */
    void requestStop();

    /**
     * Give every split this process holds back to the ledger at once (a second Ctrl-C), each on its own.
     *
     * @return the splits that could not be given back (the ledger unreachable), each with why: they run again once
     *     their lease runs out
     */
    List<String> releaseAll();
}
