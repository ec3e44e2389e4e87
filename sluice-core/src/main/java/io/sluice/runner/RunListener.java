package io.sluice.runner;

import io.sluice.planning.Plan;
import io.sluice.spi.Claim;
import io.sluice.spi.Completion;

/** What a run reports as it goes: the CLI turns it into a progress bar or log lines. */
public interface RunListener {
    default void planned(Plan plan) {}

    default void finished(Claim claim, Completion completion, long millis) {}

    /** @param retryInMillis when the split will be tried again; negative when it is dead */
    default void failed(Claim claim, String error, long retryInMillis) {}

    default void stale(Claim claim, String message) {}

    default void info(String message) {}

    RunListener NONE = new RunListener() {};
}
