package io.sluice.runner;

import io.sluice.pipeline.Assembly;
import io.sluice.spi.AttemptFailure;
import io.sluice.spi.FileStep;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

/**
 * A file step whose container already ran, in the init containers of a Kubernetes Job's pod: each input's output is
 * the folder {@link FileStep.Container#OUTPUT} of its {@link FileStep.Container#resultFolder} under the pod's results
 * volume, copied as the step's output; anything else the container left in that result folder was written beside its
 * output, which fails the split as in a local run.
 * The container ran before the split was claimed; nothing is committed but under the claim, as for any step.
 */
public final class ContainerResults implements FileStep {
    private final Path results;
    private final String image;
    private final Volume volume;

    private ContainerResults(Path results, String image, Volume volume) {
        this.results = results;
        this.image = image;
        this.volume = volume;
    }

    /**
     * How Sluice's user reads the results volume: {@link Files}, or a test's stand-in for what that user may not read
     * (the tests run as root, which reads anything).
     */
    interface Volume {
        Volume FILES = new Volume() {};

        /** What is under {@code folder}, to {@code depth} levels, sorted, the folder itself left out. */
        default List<Path> entries(Path folder, int depth) throws IOException {
            try (Stream<Path> all = Files.walk(folder, depth)) {
                return all.filter(f -> !f.equals(folder)).sorted().toList();
            } catch (UncheckedIOException e) {
                throw e.getCause(); // a folder under it that could not be read
            }
        }

        default void copy(Path from, Path to) throws IOException {
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * The pipeline with its file step's container already run by a Kubernetes Job's init containers: the step takes
     * each input's output from {@code results} ({@code sluice run --split ID --exec-results DIR}).
     *
     * @throws IllegalArgumentException when the pipeline's only step names no container image
     */
    public static Assembly in(Assembly a, Path results) {
        return in(a, results, Volume.FILES);
    }

    static Assembly in(Assembly a, Path results, Volume volume) {
        if (a.steps().size() != 1
                || !(a.steps().getFirst() instanceof FileStep step)
                || step.container().isEmpty()) {
            throw new IllegalArgumentException("--exec-results is for a pipeline whose only step is exec with image:; "
                    + a.pipeline().name() + " has none");
        }
        return new Assembly(
                a.pipeline(),
                a.source(),
                List.of(new ContainerResults(results, step.container().get().image(), volume)),
                a.sink(),
                a.ledger(),
                a.ledgerName());
    }

    @Override
    public void run(Path input, String key, Path outputDir, Path scratch, String splitId) throws Exception {
        // the container's {output_dir}/.. is its input's folder of the volume, and {output_dir} a folder in it
        Path own = results.resolve(FileStep.Container.resultFolder(key));
        Path folder = own.resolve(FileStep.Container.OUTPUT);
        if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
            throw new AttemptFailure(
                    "the exec container (" + image + ") left no output folder for " + key + " (" + folder
                            + "): the pod's "
                            + "init container for this input did not run to its end; its log is in `sluice status`",
                    true);
        }
        List<Path> files;
        try {
            List<String> beside = volume.entries(own, 1).stream()
                    .filter(p -> !p.equals(folder))
                    .map(p -> p.getFileName().toString())
                    .toList();
            if (!beside.isEmpty()) throw FileStep.writtenBeside(beside, splitId);
            files = volume.entries(folder, Integer.MAX_VALUE);
        } catch (AccessDeniedException denied) {
            // a folder that the image's user kept to itself (mode 0700, as root): the output folder or one under it
            throw unreadable(key, folder, denied);
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
                try {
                    volume.copy(f, to);
                } catch (AccessDeniedException denied) {
                    throw unreadable(key, folder, denied);
                }
            }
        }
    }

    /**
     * The image wrote a file or folder Sluice may not read: an image run as it is built ({@code security_context:
     * exec_as_image}) runs as its own user, often root, and a file it made with mode 0600, or a folder with 0700 (the
     * output folder itself, say), stays closed to Sluice's user whatever the attempt, so the split is not retried.
     */
    private AttemptFailure unreadable(String key, Path folder, AccessDeniedException denied) {
        Path file = Path.of(denied.getFile());
        String what = file.equals(folder)
                ? "left its output folder ({output_dir})"
                : file.startsWith(folder)
                        ? "wrote " + folder.relativize(file)
                        : "left the folder that holds {output_dir} ({output_dir}/..)";
        return new AttemptFailure(
                "the exec container (" + image + ") " + what + " for " + key + " " + ownership(file)
                        + ", which Sluice, running as " + ownUser() + " in the pod's sluice "
                        + "container, may not read, so it cannot be copied to the sink at any attempt: make the "
                        + "command's outputs readable by others (end it with chmod -R a+rX \"$SLUICE_OUTPUT_DIR\", or "
                        + "run it under umask 022), or run the image as Sluice's user (run.kubernetes.security_context: "
                        + "restricted, with run_as_user), then `sluice retry` the split",
                false);
    }

    /** A file's mode and owner as {@code ls -l} shows them, or what could be read of them. */
    private static String ownership(Path file) {
        try {
            var a = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return "(mode " + PosixFilePermissions.toString(a.permissions()) + ", owner "
                    + a.owner().getName() + ", group " + a.group().getName() + ")";
        } catch (IOException | UnsupportedOperationException e) {
            return "(its mode and owner unreadable: " + e.getMessage() + ")";
        }
    }

    /** This process's user: its name and, on Linux, its uid (a container's user may have no name). */
    private static String ownUser() {
        String name = System.getProperty("user.name");
        try {
            return "uid " + Files.getAttribute(Path.of("/proc/self"), "unix:uid") + " (" + name + ")";
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "the user " + name;
        }
    }
}
