package io.sluice.steps.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.spi.AttemptFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a failed command's standard error costs and how its end reads: real processes ({@code sh}). */
class ExecStepStderrTest {
    @TempDir
    Path dir;

    private AttemptFailure fail(String script) throws Exception {
        Path input = Files.writeString(dir.resolve("in.txt"), "x");
        Path out = Files.createDirectories(dir.resolve("out"));
        Path scratch = Files.createDirectories(dir.resolve("scratch"));
        ExecStep step = new ExecStep(
                "exec step", List.of("sh", "-c", script), Map.of(), Duration.ofSeconds(120), dir, null, Map.of());
        return (AttemptFailure) catchFailure(() -> step.run(input, "in.txt", out, scratch, "s1"));
    }

    private static Throwable catchFailure(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOf(AttemptFailure.class);
        return org.assertj.core.api.Assertions.catchThrowable(call);
    }

    /**
     * 20 MB of standard error: the staging disk (the step's scratch folder) holds none of it while the command runs,
     * and the failure still quotes its last lines. It was written whole to a file there, for 4 KB to be kept.
     */
    @Test
    void aCommandsStandardErrorIsKeptAsABoundedTailNotWrittenToDisk() throws Exception {
        Path scratch = dir.resolve("scratch");
        AttemptFailure f = fail("head -c 20000000 /dev/zero | tr '\\0' x >&2; echo >&2; " + "du -sk '" + scratch
                + "' | cut -f1 > '" + dir.resolve("du") + "'; echo the last words >&2; exit 3");

        long kb = Long.parseLong(Files.readString(dir.resolve("du")).strip());
        assertThat(kb).as("KB in the scratch folder while the command ran").isLessThan(100);
        assertThat(f.getMessage())
                .contains("exited with code 3 on in.txt; standard error (last 1 lines):")
                .endsWith("\nthe last words");
        assertThat(f.getMessage().length()).isLessThan(ExecStep.TAIL_BYTES + 200);
    }

    /** A command killed by a signal says so, naming it (SIGKILL is often the out-of-memory killer), not "code 137". */
    @Test
    void aCommandKilledByASignalSaysWhichOne() throws Exception {
        assertThat(fail("echo dying >&2; kill -9 $$").getMessage())
                .contains("sh was killed by signal 9 (SIGKILL; out of memory?) (exit code 137) on in.txt")
                .contains("dying")
                .doesNotContain("exited with code");
        assertThat(fail("kill -TERM $$").getMessage()).contains("was killed by signal 15 (SIGTERM)");
        assertThat(fail("exit 2").getMessage()).contains("sh exited with code 2 on in.txt");
    }
}
