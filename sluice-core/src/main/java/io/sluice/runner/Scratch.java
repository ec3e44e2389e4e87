package io.sluice.runner;

import io.sluice.spi.Claim;
import io.sluice.spi.Folders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's scratch folder under the engine's spill path ({@code scratch-PID}), with a folder per split in it
 * (spools of byte ranges, a split's division). Each split's folder is removed when the split ends, and the whole
 * folder when the run ends; a folder left by a killed process is its own and harms no other.
 */
final class Scratch implements AutoCloseable {
    private final Path root;

    private Scratch(Path root) {
        this.root = root;
    }

    /** Creates {@code spill/PREFIX-PID}: the folder of this process, so processes sharing a spill path never meet. */
    static Scratch create(Path spill, String prefix) throws IOException {
        Path root = spill.resolve(prefix + "-" + ProcessHandle.current().pid());
        Files.createDirectories(root);
        return new Scratch(root);
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
