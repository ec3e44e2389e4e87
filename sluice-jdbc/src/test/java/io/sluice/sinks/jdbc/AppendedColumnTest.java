package io.sluice.sinks.jdbc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class AppendedColumnTest {
    /** The stream read through reads of at most {@code size} bytes, so records and CRLFs span chunks. */
    private static String appended(String csv, int size) throws IOException {
        InputStream chunked = new FilterInputStream(new ByteArrayInputStream(csv.getBytes(UTF_8))) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, size));
            }
        };
        try (AppendedColumn in = new AppendedColumn(chunked, "s\"1")) {
            return new String(in.readAllBytes(), UTF_8);
        }
    }

    @Test
    void theValueEndsEveryRecordButNotALineBreakInsideQuotesWhereverTheReadsEnd() throws IOException {
        // a header, a quoted field with a line break and a CRLF, an empty line (a NULL), "" in quotes, no last LF
        String csv = "a,b\n1,\"x\ny\"\r\n\n\"q\"\"\",2";
        String f = ",\"s\"\"1\"";
        String want = "a,b" + f + "\n1,\"x\ny\"" + f + "\r\n" + f + "\n\"q\"\"\",2" + f;
        for (int size : new int[] {1, 2, 3, 7, 1 << 16}) {
            assertThat(appended(csv, size)).as("reads of %d bytes", size).isEqualTo(want);
        }
        assertThat(appended("", 1 << 16)).isEmpty();
    }
}
