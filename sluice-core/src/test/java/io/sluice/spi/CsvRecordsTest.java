package io.sluice.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where records end, as the files source cuts csv files and dead letters read a record's bytes. */
class CsvRecordsTest {
    /** Latin-1 {@code ÿ} is the byte 0xFF, -1 as a Java byte: it must not be taken for "no escape" (-1). */
    private static final byte[] LATIN1 = "1,\"\u00ff\"\n2,\"multi\nline\"\n3,c\n".getBytes(StandardCharsets.ISO_8859_1);

    @Test
    void aByteFFInsideAQuotedFieldIsText() {
        CsvRecords records = CsvRecords.delimitedAs("id,name".getBytes(StandardCharsets.US_ASCII));
        List<Integer> ends = new ArrayList<>();
        for (int i = 0; i < LATIN1.length; i++) if (records.endsRecord(LATIN1[i])) ends.add(i + 1);

        assertThat(ends).containsExactly(6, 21, 25);
        assertThat(records.malformed()).isFalse();
    }

    @Test
    void aByteFFInsideAQuotedFieldIsTextWhenRecordEndsAreLookedForInABuffer() {
        CsvRecords records = CsvRecords.delimitedAs("id,name".getBytes(StandardCharsets.US_ASCII));
        List<Integer> ends = new ArrayList<>();
        for (int at = records.nextRecordEnd(LATIN1, 0, LATIN1.length);
                at >= 0;
                at = records.nextRecordEnd(LATIN1, at, LATIN1.length)) {
            ends.add(at);
        }

        assertThat(ends).containsExactly(6, 21, 25);
    }
}
