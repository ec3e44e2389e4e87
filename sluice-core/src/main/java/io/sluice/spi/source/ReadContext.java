package io.sluice.spi.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a reader of one split may use.
 *
 * @param scratch an empty folder of this split's attempt, for spools and downloads; the framework removes it after
 *                the reader is closed
 * @param files   makes the files of the scratch folder ({@link #newFile})
 */
public record ReadContext(Path scratch, FileMaker files) {
    public ReadContext {
        java.util.Objects.requireNonNull(scratch, "scratch");
        java.util.Objects.requireNonNull(files, "files");
    }

    /** A context whose new files are made afresh. */
    public ReadContext(Path scratch) {
        this(scratch, file -> Files.createFile(file));
    }

    /**
     * Creates the empty file {@code name} in the scratch folder, to write a spool into. The framework may hand out the
     * file of an earlier split, emptied and renamed: a reader that writes thousands of files a second (a pack of small
     * objects) then creates and deletes none, which some file systems make slow.
     */
    public Path newFile(String name) throws IOException {
        return files.create(scratch.resolve(name));
    }

    /** Creates an empty file where none is. */
    @FunctionalInterface
    public interface FileMaker {
        Path create(Path file) throws IOException;
    }
}
