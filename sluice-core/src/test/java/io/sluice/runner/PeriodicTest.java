package io.sluice.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PeriodicTest {
    @Test
    void aRunThatThrowsIsReportedAndTheNextRunsStillCome() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        List<RuntimeException> failed = new CopyOnWriteArrayList<>();
        Runnable task = () -> {
            if (runs.incrementAndGet() == 1) throw new IllegalStateException("the ledger driver broke once");
        };
        try (Periodic ignored = Periodic.start("test-beat", Duration.ofMillis(10), task, failed::add)) {
            Await.until("a run after the failed one", () -> runs.get() >= 3);
        }
        assertThat(failed).singleElement().hasToString("java.lang.IllegalStateException: the ledger driver broke once");
    }
}
