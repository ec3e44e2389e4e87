package io.sluice.sinks.files;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Which outputs stand for which version of an input ({@link OutputKey}), so that committing a new version removes
 * the others. Under {@code _sluice/versions/<hash of the output key>/} one small file per committed output names
 * its version and byte range. The first version of a whole file or of a pack needs none: its split id is the output
 * key itself, so its output's name is known.
 *
 * <p>All of it happens under a lock per output key held in the ledger ({@link FilesSink#lockName}), so two versions
 * of one input never commit at the same time, from any machine.
 */
final class Versions {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Removes one output (its files, then its manifest) by name; removing an absent one does nothing. */
    @FunctionalInterface
    interface Remover {
        void remove(String name) throws IOException;
    }

    private final Path dir;

    /** @param sluice the sink's {@code _sluice} folder */
    Versions(Path sluice) {
        this.dir = sluice.resolve("versions");
    }

    /**
     * Records that the output {@code name} holds this version of the key, before its files are moved into place: a
     * crash after the move then leaves them findable by the next version too. The first version of a whole file or a
     * pack (split id = output key) needs no record. The record's file name says all a commit decides by
     * ({@code NAME~VERSION HASH~START~END.json}, so deciding reads no file); it holds the split id, for people.
     */
    void record(Split split, String name, OutputKey key) throws IOException {
        if (split.id().equals(key.key())) return;
        Path entry = folder(key.key()).resolve(String.join("~", name, FilesSink.hash(key.version()),
                Long.toString(key.start()), Long.toString(key.end())) + ".json");
        if (Files.exists(entry)) return;
        Files.createDirectories(entry.getParent());
        Path tmp = entry.resolveSibling(entry.getFileName() + ".tmp");
        Files.write(tmp, JSON.writeValueAsString(Map.of("split", split.id(), "version", key.version()))
                .getBytes(StandardCharsets.UTF_8));
        Files.move(tmp, entry, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Removes the outputs of every other version of the key (and of other cuts of this version, after a reset),
     * keeping the other ranges of this version. Each output's files go first, then its manifest, then its record, so a
     * crash in between leaves the rest for the next commit of the key to remove.
     */
    void removeOthers(String name, OutputKey mine, Remover remover) throws IOException {
        Path folder = folder(mine.key());
        if (Files.isDirectory(folder)) {
            // versions compared by their hashes, as the records' names hold them
            OutputKey me = new OutputKey(mine.key(), FilesSink.hash(mine.version()), mine.start(), mine.end());
            try (Stream<Path> entries = Files.list(folder)) {
                for (Path entry : entries.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList()) {
                    String file = entry.getFileName().toString();
                    String[] f = file.substring(0, file.length() - ".json".length()).split("~");
                    if (f[0].equals(name)) continue;
                    if (new OutputKey(mine.key(), f[1], Long.parseLong(f[2]), Long.parseLong(f[3])).sibling(me)) continue;
                    remover.remove(f[0]);
                    Files.deleteIfExists(entry);
                }
            }
            try {
                Files.delete(folder); // only when nothing is left in it
            } catch (DirectoryNotEmptyException | NoSuchFileException e) {
                // other ranges of this version, or this split's own record
            }
        }
        String first = FilesSink.name(mine.key());
        if (!first.equals(name)) remover.remove(first);
    }

    private Path folder(String key) {
        return dir.resolve(FilesSink.hash(key));
    }
}
