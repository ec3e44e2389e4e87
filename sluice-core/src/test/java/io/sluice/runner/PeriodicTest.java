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

    @Test
    void noRunAfterClose() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        try (Periodic ignored = Periodic.start("test-beat", Duration.ofMillis(5), runs::incrementAndGet, e -> {})) {
            Await.until("a first run", () -> runs.get() >= 1);
        }
        Thread.sleep(20); // a run already going when it closed may still end
        int atClose = runs.get();
        Thread.sleep(100);
        assertThat(runs.get()).as("runs after close").isEqualTo(atClose);
    }
}
