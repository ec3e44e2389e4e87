package io.sluice.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.spi.FileStep;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the pod's Sluice of a Kubernetes Job does with what the exec image's init containers left in the results
 * volume ({@code sluice run --split ID --exec-results DIR}), run here as that pod runs it: a local run of the pipeline
 * whose step is {@link ContainerResults}.
 */
class ContainerResultsTest {
    @TempDir
    Path dir;

    /**
     * A named pipe (or a device, or a socket) the image left in its output folder is not a file: the split fails,
     * not retried, naming it, and nothing reaches the sink. Before, the copy opened the pipe for reading and waited
     * for a writer that had ended with its container: the pod hung until {@code active_deadline_seconds}.
     */
    @Test
    void aNamedPipeLeftInTheOutputFolderFailsTheSplitNamingItInsteadOfHangingThePod() throws Exception {
        Path results = dir.resolve("results");
        Path folder = outputOfABin(results);
        Files.writeString(folder.resolve("a.out"), "rebuilt\n");
        Process mkfifo = new ProcessBuilder("mkfifo", folder.resolve("progress").toString())
                .inheritIO()
                .start();
        assertThat(mkfifo.waitFor()).isZero();

        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        RunSummary summary = Assertions.assertTimeoutPreemptively(
                Duration.ofSeconds(60), () -> runPod(results, errors), "the pod's run hung on the named pipe");

        assertThat(summary.died()).isEqualTo(1);
        assertThat(errors)
                .singleElement()
                .asString()
                .contains("progress", "a.bin", "named pipe", "ghcr.io/acme/rebuild:1.4");
        assertThat(filesUnder(dir.resolve("out"))).isEmpty();
    }

    /**
     * A file the image wrote as root with mode 0600 ({@code security_context: exec_as_image}) cannot be read by the
     * pod's Sluice, which runs as another user: the split fails once, not retried, naming the file, its mode and owner,
     * Sluice's user and what to do. Before, a bare {@code AccessDeniedException} was retried, failing alike each time.
     * The tests run as root, which reads any file: the copy fails here as it does for Sluice's user in a pod.
     */
    @Test
    void aFileSluiceMayNotReadFailsTheSplitOnceNamingItsModeAndOwner() throws Exception {
        Path results = dir.resolve("results");
        Path folder = outputOfABin(results);
        Path secret = Files.writeString(folder.resolve("a.out"), "rebuilt\n");
        Files.setPosixFilePermissions(secret, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        String owner = Files.getOwner(secret).getName();
        ContainerResults.Volume denied = new ContainerResults.Volume() {
            @Override
            public void copy(Path from, Path to) throws java.io.IOException {
                throw new java.nio.file.AccessDeniedException(from.toString());
            }
        };

        assertThat(failedOnce(results, denied))
                .contains("wrote a.out for a.bin", "mode rw-------", "owner " + owner)
                .satisfies(ContainerResultsTest::namesSluicesUserAndWhatToDo);
    }

    /**
     * An output folder the image's user kept to itself (mode 0700, made by root under {@code exec_as_image}): the
     * split fails once, naming the folder, its mode and owner, Sluice's user and what to do, as for such a file.
     * Before, the listing's bare {@code AccessDeniedException} was retried, failing alike each time. The tests run as
     * root, which reads any folder: the listing fails here as it does for Sluice's user in a pod.
     */
    @Test
    void anOutputFolderSluiceMayNotReadFailsTheSplitOnceNamingItsModeAndOwner() throws Exception {
        Path results = dir.resolve("results");
        Path folder = outputOfABin(results);
        Files.writeString(folder.resolve("a.out"), "rebuilt\n");
        Files.setPosixFilePermissions(folder, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        String owner = Files.getOwner(folder).getName();
        ContainerResults.Volume closed = new ContainerResults.Volume() {
            @Override
            public List<Path> entries(Path f, int depth) throws java.io.IOException {
                // as Files.walk fails on a folder it may not open: the checked exception, not an unchecked one
                if (f.equals(folder)) throw new java.nio.file.AccessDeniedException(f.toString());
                return ContainerResults.Volume.FILES.entries(f, depth);
            }
        };

        assertThat(failedOnce(results, closed))
                .contains("left its output folder ({output_dir}) for a.bin", "mode rwx------", "owner " + owner)
                .satisfies(ContainerResultsTest::namesSluicesUserAndWhatToDo);
    }

    /**
     * What the image wrote beside its {@code {output_dir}} ({@code {output_dir}/../x}, {@code {output_dir}.tmp}) is in
     * the results volume, as the exec container mounts the input's folder at {@code /sluice-exec} and its output
     * folder inside it: the split fails, not retried, naming each, as a local run fails it. Before, the exec container
     * mounted only the output folder, so such a file stayed in the container and was dropped without a word.
     */
    @Test
    void aFileWrittenBesideTheOutputFolderFailsTheSplitOnceNamingItAsALocalRunDoes() throws Exception {
        Path results = dir.resolve("results");
        Path output = outputOfABin(results);
        Path own = output.getParent();
        Files.writeString(output.resolve("a.out"), "rebuilt\n");
        Files.writeString(own.resolve("x"), "astray\n");
        Files.createDirectories(own.resolve("output.tmp"));

        assertThat(failedOnce(results, ContainerResults.Volume.FILES))
                .contains("wrote output.tmp, x for split", "outside its output folder ({output_dir}", "sluice retry");
    }

    /** The output folder of the input a.bin in the results volume, as its exec container left it: empty. */
    private static Path outputOfABin(Path results) throws java.io.IOException {
        return Files.createDirectories(
                results.resolve(FileStep.Container.resultFolder("a.bin")).resolve(FileStep.Container.OUTPUT));
    }

    /**
     * The only error of a pod's run that failed its split at the first attempt (another would fail alike), nothing
     * reaching the sink.
     */
    private String failedOnce(Path results, ContainerResults.Volume volume) throws Exception {
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        RunSummary summary = runPod(results, errors, volume);
        assertThat(summary.died()).isEqualTo(1);
        assertThat(errors).as("one attempt: another would fail alike").hasSize(1);
        assertThat(filesUnder(dir.resolve("out"))).isEmpty();
        return errors.getFirst();
    }

    private static void namesSluicesUserAndWhatToDo(String error) {
        assertThat(error)
                .contains("ghcr.io/acme/rebuild:1.4")
                .containsPattern("running as (uid \\d+|the user)")
                .contains("chmod -R a+rX", "security_context");
    }

    /** Runs the pipeline as the pod's Sluice does, the image's outputs in {@code results}; notes each failure. */
    private RunSummary runPod(Path results, List<String> errors) throws Exception {
        return runPod(results, errors, ContainerResults.Volume.FILES);
    }

    private RunSummary runPod(Path results, List<String> errors, ContainerResults.Volume volume) throws Exception {
        return FailuresNoted.run(dir, "a.bin", """
                pipeline: rebuild
                source: { files: { path: in } }
                steps:
                  - exec: { image: "ghcr.io/acme/rebuild:1.4", command: [rebuild, "{input}", "{output_dir}"] }
                sink: { files: { path: out } }
                run: { parallelism: 1, retries: { max: 3, backoff: 1s } }
                """, a -> ContainerResults.in(a, results, volume), errors);
    }

    private static List<Path> filesUnder(Path folder) throws Exception {
        if (!Files.exists(folder)) return List.of();
        try (Stream<Path> all = Files.walk(folder)) {
            return all.filter(Files::isRegularFile)
                    .filter(f -> !folder.relativize(f).startsWith("_sluice"))
                    .toList();
        }
    }
}
