package io.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What reading bad records from a file's bytes may cost is bounded: the records past it keep DuckDB's text. */
class RecordTextsTest {
    @TempDir
    Path dir;

    /** Each record of {@code csv} after the header, as {@code {line, 1-based byte}}. */
    private static List<long[]> records(String csv) {
        List<long[]> records = new ArrayList<>();
        long line = 2;
        for (int at = csv.indexOf('\n') + 1; at < csv.length(); at = csv.indexOf('\n', at) + 1)
            records.add(new long[] {line++, at + 1});
        return records;
    }

    private List<String> texts(String csv, long deadline, long bytes) throws Exception {
        Path file = Files.writeString(dir.resolve("in.csv"), csv, StandardCharsets.ISO_8859_1);
        List<String> texts = new ArrayList<>();
        RecordTexts.read(file, records(csv), false, null, deadline, new long[] {bytes}, (i, t) -> texts.add(t));
        return texts;
    }

    @Test
    void theRecordsPastTheSplitsBytesOfTextsAreNotRead() throws Exception {
        String csv = "id,name\n1,aaaa\n2,bbbb\n3,cccc\n";
        assertThat(texts(csv, System.nanoTime() + 60_000_000_000L, 1 << 20))
                .containsExactly("1,aaaa", "2,bbbb", "3,cccc");
        assertThat(texts(csv, System.nanoTime() + 60_000_000_000L, 13)).containsExactly("1,aaaa", "2,bbbb");
    }

    @Test
    void theRecordsNotReachedByTheDeadlineAreNotRead() throws Exception {
        assertThat(texts("id,name\n1,aaaa\n2,bbbb\n", System.nanoTime() - 1, 1 << 20))
                .isEmpty();
    }
}
