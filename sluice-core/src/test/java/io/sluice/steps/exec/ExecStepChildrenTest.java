package io.sluice.steps.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.spi.AttemptFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A command's background children die with it, however it ends: exit 0, a failure, its timeout; a child that detached
 * into a session of its own ({@code setsid}) too. Real processes ({@code sh}, {@code sleep}).
 */
class ExecStepChildrenTest {
    @TempDir
    Path dir;

    /** Runs {@code script} with {@code sh -c} as the exec step does; the pids its children wrote to {@code pids}. */
    private List<Long> run(String script, Duration timeout, boolean fails) throws Exception {
        Path input = Files.writeString(dir.resolve("in.txt"), "x");
        Path out = Files.createDirectories(dir.resolve("out"));
        Path scratch = Files.createDirectories(dir.resolve("scratch"));
        ExecStep step = new ExecStep("exec step", List.of("sh", "-c", script), Map.of(), timeout, dir, null, Map.of());
        if (fails) {
            assertThatThrownBy(() -> step.run(input, "in.txt", out, scratch, "s1"))
                    .isInstanceOf(AttemptFailure.class);
        } else {
            step.run(input, "in.txt", out, scratch, "s1");
        }
        return Files.readAllLines(dir.resolve("pids")).stream()
                .map(String::strip)
                .map(Long::parseLong)
                .toList();
    }

    private static void assertGone(List<Long> pids) {
        assertThat(pids).isNotEmpty();
        for (long pid : pids) {
            Optional<ProcessHandle> h = ProcessHandle.of(pid);
            assertThat(h.filter(ProcessHandle::isAlive))
                    .as("child " + pid + " killed")
                    .isEmpty();
        }
    }

    @Test
    void backgroundChildrenOfACommandThatExitsZeroAreKilled() throws Exception {
        assertGone(run(
                "sleep 300 & echo $! >> pids; (sleep 301 & echo $! >> pids); exit 0", Duration.ofSeconds(60), false));
    }

    @Test
    void aChildInASessionOfItsOwnIsKilledToo() throws Exception {
        assertGone(run("setsid sleep 302 & echo $! >> pids; exit 0", Duration.ofSeconds(60), false));
    }

    @Test
    void childrenOfAFailingOrTimedOutCommandAreKilled() throws Exception {
        assertGone(run("sleep 303 & echo $! >> pids; exit 3", Duration.ofSeconds(60), true));
        Files.delete(dir.resolve("pids"));
        assertGone(run("sleep 304 & echo $! >> pids; sleep 305", Duration.ofMillis(500), true));
    }
}
