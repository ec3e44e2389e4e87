package io.sluice.runner;

import io.sluice.pipeline.Assembly;
import io.sluice.spi.AttemptFailure;
import io.sluice.spi.FileStep;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.stream.Stream;

/**
 * A file step whose container already ran, in the init containers of a Kubernetes Job's pod: each input's output is
 * the folder {@link FileStep.Container#resultFolder} under the pod's results volume, copied as the step's output.
 * The container ran before the split was claimed; nothing is committed but under the claim, as for any step.
 */
public final class ContainerResults implements FileStep {
    private final Path results;
    private final String image;

    private ContainerResults(Path results, String image) {
        this.results = results;
        this.image = image;
    }

    /**
     * The pipeline with its file step's container already run by a Kubernetes Job's init containers: the step takes
     * each input's output from {@code results} ({@code sluice run --split ID --exec-results DIR}).
     *
     * @throws IllegalArgumentException when the pipeline's only step names no container image
     */
    public static Assembly in(Assembly a, Path results) {
        if (a.steps().size() != 1
                || !(a.steps().getFirst() instanceof FileStep step)
                || step.container().isEmpty()) {
            throw new IllegalArgumentException("--exec-results is for a pipeline whose only step is exec with image:; "
                    + a.pipeline().name() + " has none");
        }
        return new Assembly(
                a.pipeline(),
                a.source(),
                List.of(new ContainerResults(results, step.container().get().image())),
                a.sink(),
                a.ledger(),
                a.ledgerName());
    }

    @Override
    public void run(Path input, String key, Path outputDir, Path scratch, String splitId) throws Exception {
        Path folder = results.resolve(FileStep.Container.resultFolder(key));
        if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
            throw new AttemptFailure(
                    "the exec container (" + image + ") left no output folder for " + key + " (" + folder
                            + "): the pod's "
                            + "init container for this input did not run to its end; its log is in `sluice status`",
                    true);
        }
        List<Path> files;
        try (Stream<Path> all = Files.walk(folder)) {
            files = all.filter(f -> !f.equals(folder)).sorted().toList();
        }
        for (Path f : files) {
            Path to = outputDir.resolve(folder.relativize(f).toString());
            // judged before anything opens it: a named pipe opened for reading waits for a writer, and the container
            // that could write is gone, so the pod would hang until its deadline; a device may never end
            BasicFileAttributes kind = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (kind.isSymbolicLink()) {
                throw new AttemptFailure(
                        "the exec container (" + image + ") wrote a symbolic link for " + key + " ("
                                + folder.relativize(f) + "): write the files themselves",
                        false);
            }
            if (kind.isOther()) {
                throw new AttemptFailure(
                        "the exec container (" + image + ") left " + folder.relativize(f) + " for " + key
                                + ", which is not a file (a named pipe, a device or a socket): only files are output; "
                                + "remove it before the command ends, or make it outside {output_dir}",
                        false);
            }
            if (kind.isDirectory()) {
                Files.createDirectories(to);
            } else {
                Files.createDirectories(to.getParent());
                Files.copy(f, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
