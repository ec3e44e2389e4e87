package io.sluice.runner;

import io.sluice.spi.Claim;
import io.sluice.spi.Folders;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's scratch folder under the engine's spill path ({@code scratch-HOST-PID}), with a folder per split in
 * it (spools of byte ranges, a split's division, a sink writer's staging files). Each split's folder is removed when
 * the split ends, and the whole folder when the run ends; what a killed process left is removed by the next process
 * of the same host that makes its own ({@link #create}).
 */
final class Scratch implements AutoCloseable {
    /** The host part of a folder's name: the host name with anything but letters, digits, dots and hyphens replaced. */
    private static final String HOST = OwnerId.hostName().replaceAll("[^A-Za-z0-9.-]", "_");

    private final Path root;

    private Scratch(Path root) {
        this.root = root;
    }

    /**
     * Creates {@code spill/PREFIX-HOST-PID}, the folder of this process, after removing the folders of the same prefix
     * that processes of this host left when they were killed. The spill path may be a volume shared by other machines,
     * whose pids mean nothing here: their folders, and those of live processes, are left alone.
     */
    static Scratch create(Path spill, String prefix) throws IOException {
        Path root = folderOf(spill, prefix, ProcessHandle.current().pid());
        Files.createDirectories(spill);
        removeLeftByGoneProcesses(spill, prefix);
        Files.createDirectories(root);
        return new Scratch(root);
    }

    /** The folder of the process {@code pid} of this host. */
    static Path folderOf(Path spill, String prefix, long pid) {
        return spill.resolve(prefix + "-" + HOST + "-" + pid);
    }

    /** Best effort: a folder that cannot be removed now is tried again by the next process that starts. */
    private static void removeLeftByGoneProcesses(Path spill, String prefix) {
        String ours = prefix + "-" + HOST + "-";
        try (DirectoryStream<Path> folders = Files.newDirectoryStream(spill, ours + "*")) {
            for (Path folder : folders) {
                String pid = folder.getFileName().toString().substring(ours.length());
                // another host whose name starts with ours and a hyphen ("web" and "web-2") has more than digits here
                if (!pid.matches("\\d{1,18}")
                        || ProcessHandle.of(Long.parseLong(pid)).isPresent()) continue;
                try {
                    Folders.deleteTree(folder);
                } catch (IOException | UncheckedIOException ignored) {
                    // not ours to delete (another user's), say: left as it is
                }
            }
        } catch (IOException | DirectoryIteratorException ignored) {
            // the spill folder cannot be listed: nothing is removed, this run still works
        }
    }

    /** A folder for something of the run's own (the steps' sample check), to remove after. */
    Path folder(String name) {
        return root.resolve(name);
    }

    /** The folder of this claim's work (not created yet): another token of the split gets another folder. */
    Path forSplit(Claim claim) {
        return root.resolve(
                "t" + claim.token() + "-" + Math.floorMod(claim.splitId().hashCode(), Integer.MAX_VALUE));
    }

    /** Removes a split's folder; what cannot be removed now goes with the whole folder at the end. */
    void remove(Path dir) {
        try {
            Folders.deleteTree(dir);
        } catch (IOException ignored) {
            // removed with the run's scratch folder at the end
        }
    }

    @Override
    public void close() throws IOException {
        Folders.deleteTree(root);
    }
}
