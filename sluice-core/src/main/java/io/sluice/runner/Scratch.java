package io.sluice.runner;

import io.sluice.spi.Claim;
import io.sluice.spi.Folders;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This process's scratch folder under the engine's spill path ({@code scratch-HOST-PID}), with a folder per split in
 * it (spools of byte ranges, a split's division, a sink writer's staging files). Each split's folder is removed when
 * the split ends, and the whole folder when the run ends; what a killed process left is removed by the next process
 * of the same host that makes its own ({@link #create}). The files of a split's reading folder are kept emptied for
 * the next splits' spools ({@link #recycle}, {@link #newFile}).
 */
final class Scratch implements AutoCloseable {
    /** The host part of a folder's name: the host name with anything but letters, digits, dots and hyphens replaced. */
    private static final String HOST = OwnerId.hostName().replaceAll("[^A-Za-z0-9.-]", "_");

    /** Emptied files kept for spools at most: each costs an inode, no data. */
    static final int KEPT = 4096;

    private final Path root;
    private final Deque<Path> kept = new ConcurrentLinkedDeque<>();
    private final AtomicInteger keptCount = new AtomicInteger();
    private final AtomicLong keptNames = new AtomicLong();

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

    /**
     * Creates the empty file {@code file} (that does not exist): a kept file renamed when there is one, else a new one.
     * A pack of a thousand small objects is a thousand spools a split; creating and deleting that many files a second
     * contends in the file system (ext4 without a journal scans the inodes deleted in the last seconds at each
     * creation, under a lock the split's downloads all wait on), where a rename and a truncation do not.
     */
    Path newFile(Path file) throws IOException {
        for (Path k = kept.poll(); k != null; k = kept.poll()) {
            keptCount.decrementAndGet();
            try {
                return Files.move(k, file);
            } catch (FileAlreadyExistsException e) {
                keep(k);
                throw e;
            } catch (IOException e) {
                Files.deleteIfExists(k); // gone or unmovable: the next one, or a new file
            }
        }
        return Files.createFile(file);
    }

    /**
     * Keeps the files of a split's reading folder, emptied, for {@link #newFile} (up to {@value #KEPT}); call once the
     * split's reader is closed. What is not kept goes with the split's folder.
     */
    void recycle(Path reading) {
        if (keptCount.get() >= KEPT || !Files.isDirectory(reading)) return;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(reading)) {
            Path folder = Files.createDirectories(root.resolve("kept"));
            for (Path f : files) {
                if (keptCount.get() >= KEPT) return;
                if (!soleName(f)) continue;
                try (FileChannel c = FileChannel.open(f, StandardOpenOption.WRITE)) {
                    c.truncate(0);
                }
                Path k = folder.resolve(Long.toString(keptNames.incrementAndGet()));
                Files.move(f, k);
                keep(k);
            }
        } catch (IOException | DirectoryIteratorException ignored) {
            // not kept: removed with the split's folder
        }
    }

    /**
     * A regular file with no other name: emptying a file that a reader linked from elsewhere would empty that one too.
     * Where the file system does not count links, nothing is kept.
     */
    private static boolean soleName(Path f) throws IOException {
        try {
            var a = Files.readAttributes(f, "unix:isRegularFile,nlink", LinkOption.NOFOLLOW_LINKS);
            return Boolean.TRUE.equals(a.get("isRegularFile"))
                    && Integer.valueOf(1).equals(a.get("nlink"));
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    private void keep(Path k) {
        kept.push(k);
        keptCount.incrementAndGet();
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
