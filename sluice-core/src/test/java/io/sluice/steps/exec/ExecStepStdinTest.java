package io.sluice.steps.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a command reads on its standard input: nothing, at once. Sluice writes nothing there, so a command that reads it
 * (a tool reading its input from standard input when given no file, one that asks a question) must find it ended, not
 * wait on it until its timeout. Real processes ({@code sh}, {@code cat}).
 */
class ExecStepStdinTest {
    @TempDir
    Path dir;

    @Test
    void aCommandThatReadsStandardInputFindsItEmptyAndEnds() throws Exception {
        Path input = Files.writeString(dir.resolve("in.txt"), "x");
        Path out = Files.createDirectories(dir.resolve("out"));
        Path scratch = Files.createDirectories(dir.resolve("scratch"));
        // the timeout only bounds the test: the command ends as soon as its standard input does
        ExecStep step = new ExecStep(
                "exec step",
                List.of("sh", "-c", "cat > \"$SLUICE_OUTPUT_DIR/stdin.txt\"; echo done > \"$SLUICE_OUTPUT_DIR/end\""),
                Map.of(),
                Duration.ofSeconds(20),
                dir,
                null,
                Map.of());

        step.run(input, "in.txt", out, scratch, "s1");

        assertThat(out.resolve("stdin.txt")).isEmptyFile();
        assertThat(out.resolve("end")).hasContent("done");
    }
}
