package io.sluice.ledger;

import io.sluice.config.Field;
import io.sluice.config.Type;
import io.sluice.spi.Ledger;
import io.sluice.spi.LedgerRefusedException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * A worker's clock compared with its ledger server's when it opens the ledger. Leases and output locks are measured by
 * the workers' clocks: a worker whose clock runs ahead takes over the live claims and locks of others (an output
 * lock's lease is at most 30 s, renewed every third of it: 20 s ahead can be enough), one that lags keeps expired
 * ones. The server is the one clock every worker can be compared with: two workers each within {@code max} of it are
 * within twice that of each other.
 *
 * @param before this worker's clock just before the server was asked (epoch milliseconds)
 * @param server the server's clock as it answered
 * @param resolution how much later than {@code server} its clock may have been (999 for an HTTP {@code Date}, whole
 *     seconds rounded down)
 * @param after this worker's clock just after the answer
 */
public record ClockSkew(long before, long server, long resolution, long after) {
    public static final String OPTION = "max_clock_skew";

    /** Reads the server's clock; {@code E} is what asking it may throw. */
    @FunctionalInterface
    public interface ServerClock<E extends Exception> {
        long millis() throws E;
    }

    /** The option {@code max_clock_skew} of a ledger whose server's clock is {@code server} ("the Redis server's"). */
    public static Field<Duration> option(String server) {
        return Field.optional(
                OPTION,
                Type.DURATION,
                Duration.ofSeconds(5),
                "How far this machine's clock may be from " + server + ": a process further off (a worker, and "
                        + "the commands too: `sluice status`, `validate`, `retry`, `reset`) is refused when it opens "
                        + "the ledger. Leases and output locks are measured by the workers' clocks, so a worker "
                        + "whose clock runs ahead takes over others' live work; two workers within this of the server "
                        + "are within twice it of each other.");
    }

    /** {@code ledger} once {@code refuse} has let it pass; closed when it refused. */
    public static <L extends Ledger> L checked(L ledger, Consumer<L> refuse) {
        try {
            refuse.accept(ledger);
        } catch (RuntimeException e) {
            ledger.close();
            throw e;
        }
        return ledger;
    }

    /** The server's clock read between two readings of {@code clock}. */
    public static <E extends Exception> ClockSkew read(Clock clock, long resolution, ServerClock<E> server) throws E {
        long before = clock.millis();
        long read = server.millis();
        return new ClockSkew(before, read, resolution, clock.millis());
    }

    /**
     * Refuses this worker when its clock is surely more than {@code max} off the server's.
     *
     * @param ledger the ledger, as its messages name it
     * @param server the server's clock ("the database server's")
     * @param option the option's path ({@code state.postgres.max_clock_skew})
     */
    public void refuseBeyond(Duration max, String ledger, String server, String option) {
        // the server read its clock between before and after: refused only when off by more than max either way
        long ahead = before - (this.server + resolution);
        long behind = this.server - after;
        long off = Math.max(ahead, behind);
        if (off <= max.toMillis()) return;
        throw new LedgerRefusedException(
                ledger + ": this machine's clock is " + seconds(off) + " s " + (ahead > behind ? "ahead of" : "behind")
                        + " " + server + "; leases and output locks are measured by the workers' clocks, so a worker "
                        + "whose clock is off takes over the live work of others or keeps expired work: sync this "
                        + "machine's clock (NTP), or the server's if it is the one off, or raise " + option + " ("
                        + seconds(max.toMillis()) + "s)",
                null);
    }

    private static String seconds(long millis) {
        return BigDecimal.valueOf(Math.round(millis / 100.0), 1)
                .stripTrailingZeros()
                .toPlainString();
    }
}
