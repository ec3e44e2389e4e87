package io.sluice.runner;

import io.sluice.planning.Plan;
import io.sluice.spi.source.Skipped;
import java.util.OptionalLong;

/**
 * How long a run lists the source again for inputs still being written: a {@code once} run, and a scheduled watch at
 * each of its times (what the CronJob's once run does then). Every {@link #RECHECK_MS}, for {@link #TIMES} settle
 * periods (at least 5 s) from the first plan that saw them, not from the latest (an input that never settles would
 * keep the run listing for ever); then they are left for the next run.
 */
public final class SettlePatience {
    private static final long RECHECK_MS = 500;
    private static final int TIMES = 5;
    private static final long MIN_MS = 5_000;

    private long giveUp;
    private boolean settling; // the plans since giveUp was set saw inputs still being written

    /**
     * After a plan at {@code now} that saw {@code waiting} inputs still being written, asking for up to {@code
     * settleMillis}: when to list again for them, or empty when there are none or they are left for the next run
     * (said to {@code listener}).
     */
    public OptionalLong again(long now, long waiting, long settleMillis, RunListener listener) {
        if (waiting == 0) {
            settling = false;
            return OptionalLong.empty();
        }
        if (!settling) giveUp = now + Math.max(MIN_MS, TIMES * settleMillis);
        settling = true;
        if (now < giveUp) return OptionalLong.of(now + RECHECK_MS);
        settling = false;
        listener.info(waiting + " file(s) still changing; left for the next run");
        return OptionalLong.empty();
    }

    /** The longest time a waiting input of {@code plan} said it needs; the files source reports its settle time. */
    public static long settleMillis(Plan plan) {
        return plan.skipped().stream()
                .filter(Skipped::waiting)
                .mapToLong(Skipped::settleMillis)
                .max()
                .orElse(0);
    }
}
