package io.sluice.storage.local;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.spi.storage.ObjectChangedException;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A delete of one version on a local folder removes that version only, also when another is written over it between
 * the delete's check and its removal (a split's partial written again after a reset while a compaction removes the
 * folded one, an input delivered again while the files source's {@code after: delete} removes the one it read).
 */
class DeleteOneVersionTest {
    @TempDir
    Path dir;

    @Test
    void aVersionWrittenBetweenTheCheckAndTheRemovalStays() throws Exception {
        LocalObjectStore store = new LocalObjectStore(dir);
        StoredObject read = store.write("p/part-1.parquet", "folded".getBytes(UTF_8), WriteCondition.none());
        store.afterVersionCheck = () -> {
            try {
                store.write("p/part-1.parquet", "written again".getBytes(UTF_8), WriteCondition.none());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };

        assertThatThrownBy(() -> store.delete("p/part-1.parquet", read.version()))
                .isInstanceOf(ObjectChangedException.class)
                .hasMessageContaining("part-1.parquet");

        assertThat(dir.resolve("p/part-1.parquet"))
                .as("the newer version stays")
                .hasContent("written again");
        try (Stream<Path> left = Files.list(dir.resolve("p"))) {
            assertThat(left.map(f -> f.getFileName().toString())).containsExactly("part-1.parquet");
        }
    }

    @Test
    void theVersionNamedGoesAndLeavesNothingBeside() throws Exception {
        LocalObjectStore store = new LocalObjectStore(dir);
        StoredObject read = store.write("p/part-1.parquet", "folded".getBytes(UTF_8), WriteCondition.none());

        store.delete("p/part-1.parquet", read.version());

        try (Stream<Path> left = Files.list(dir.resolve("p"))) {
            assertThat(left).isEmpty();
        }
    }
}
