package io.sluice.sources.files;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.ledger.sqlite.SqliteLedger;
import io.sluice.planning.Planner;
import io.sluice.spi.Split;
import io.sluice.spi.storage.ForwardingObjectStore;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import io.sluice.storage.local.LocalObjectStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code after: { move_to }} copies an input, then removes it: an upstream writer that overwrites the input while it is
 * being copied (a large object downloaded and uploaded takes minutes) writes new work, which must stay.
 */
class AfterMoveRaceTest {
    private static final long OLD =
            System.currentTimeMillis() - Duration.ofHours(2).toMillis();

    @TempDir
    Path dir;

    @Test
    void anInputOverwrittenWhileItIsBeingMovedStaysAsNewWork() throws IOException {
        Path in = Files.createDirectories(dir.resolve("in"));
        Files.writeString(in.resolve("usage.csv"), "x\n1\n");
        Files.setLastModifiedTime(in.resolve("usage.csv"), FileTime.fromMillis(OLD));
        try (ObjectStore source = new LocalObjectStore(in);
                ObjectStore archive = new OverwrittenWhileCopied(new LocalObjectStore(dir.resolve("done")), source);
                SqliteLedger ledger = SqliteLedger.open(dir.resolve("ledger.db"), "test", Clock.systemUTC())) {
            FilesSource files = new FilesSource(
                    CsvSettings.of(new Storage(source, in), Optional.empty(), new After.MoveTo(archive)),
                    Clock.systemUTC(),
                    1);
            Split split = new Planner(files, ledger).plan().splits().getFirst();

            files.processed(split);

            assertThat(dir.resolve("done/usage.csv"))
                    .as("the version read is archived")
                    .hasContent("x\n1\n");
            assertThat(in.resolve("usage.csv"))
                    .as("the version written during the copy was never read: it stays, to be read by the next run")
                    .hasContent("x\n2, written during the move\n");
        }
    }

    /** An archive whose copy of an input lets the input's writer overwrite it once the copy is made. */
    private static final class OverwrittenWhileCopied extends ForwardingObjectStore {
        private final ObjectStore input;

        OverwrittenWhileCopied(ObjectStore archive, ObjectStore input) {
            super(archive);
            this.input = input;
        }

        @Override
        public StoredObject copyFrom(ObjectStore from, String fromKey, String version, String toKey)
                throws IOException {
            StoredObject copied = store.copyFrom(from, fromKey, version, toKey);
            input.write(
                    fromKey, "x\n2, written during the move\n".getBytes(StandardCharsets.UTF_8), WriteCondition.none());
            return copied;
        }
    }
}
