package io.sluice.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exec outputs the files sink cannot take as written: named as a local folder's store names its temp files (which its
 * listings skip), a link, or one name written for two inputs of a pack. Each is the command's doing, so the split
 * fails once, not retried, saying what to do.
 */
class ExecReservedNameTest {
    @TempDir
    Path dir;

    /**
     * A command that writes {@code .report.sluice-tmp-1} (the local store's temp name, {@code .<name>.sluice-tmp-...})
     * fails its split once, not retried, naming the file and what to do, and nothing is committed. Before, the split
     * committed it: in the manifest, on disk, but skipped by every listing and removed by the clean-up of interrupted
     * writes.
     */
    @Test
    void anOutputNamedLikeTheLocalStoresTempFilesFailsTheSplitOnce() throws Exception {
        assertThat(onlyError("{ path: in }", """
                        echo ok > "$SLUICE_OUTPUT_DIR/ok.txt"; mkdir "$SLUICE_OUTPUT_DIR/r"; \
                        echo x > "$SLUICE_OUTPUT_DIR/r/.report.sluice-tmp-1\""""))
                .contains("wrote r/.report.sluice-tmp-1 for a.txt", "listings skip", "name it otherwise");
        try (Stream<Path> all = Files.walk(dir.resolve("out"))) {
            assertThat(all.filter(Files::isRegularFile)
                            .filter(f -> !dir.resolve("out").relativize(f).startsWith("_sluice")))
                    .as("nothing committed")
                    .isEmpty();
        }
    }

    /** A link among a command's outputs fails the split once (it was retried as if the disk had failed). */
    @Test
    void aLinkAmongTheOutputsFailsTheSplitOnce() throws Exception {
        assertThat(onlyError("{ path: in }", """
                        echo ok > "$SLUICE_OUTPUT_DIR/ok.txt"; ln -s ok.txt "$SLUICE_OUTPUT_DIR/link.txt\""""))
                .contains("wrote link.txt for a.txt", "not a regular file", "write a copy");
    }

    /** Two inputs of a pack that write one name fail their split once, naming both and what to do. */
    @Test
    void twoInputsOfAPackWritingOneNameFailTheSplitOnce() throws Exception {
        Files.createDirectories(dir.resolve("in"));
        Files.writeString(dir.resolve("in/b.txt"), "input\n");
        assertThat(onlyError("{ path: in, pack: { max_files: 2 } }", """
                        echo ok > "$SLUICE_OUTPUT_DIR/same.txt\""""))
                .contains("inputs a.txt and b.txt", "both wrote same.txt", "derive the names");
    }

    /**
     * The error of the one attempt at the split of {@code in/a.txt} (and what else is in {@code in}) read by a files
     * source of {@code source}'s options through an exec step running {@code script} in {@code sh}: the split died
     * after it, with retries left, because another attempt would fail the same way.
     */
    private String onlyError(String source, String script) throws Exception {
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        String command = "[sh, -c, '" + script + "']"; // no ' in the scripts
        RunSummary summary = FailuresNoted.run(dir, "a.txt", """
                pipeline: refused
                source: { files: %s }
                steps:
                  - exec: { command: %s }
                sink: { files: { path: out } }
                run: { parallelism: 1, retries: { max: 3, backoff: 10ms } }
                """.formatted(source, command), a -> a, errors);
        assertThat(summary.died()).isEqualTo(1);
        assertThat(errors).as("one attempt").hasSize(1);
        return errors.getFirst();
    }
}
