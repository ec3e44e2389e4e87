package io.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.NativeCopies;
import io.sluice.spi.source.LocalFiles;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A csv split of one file whose column types DuckDB detects is read with the dialect and types of one sniff of it
 * ({@code sniff_csv}), not sniffed again by its read: its columns, rows and bad records are those of a read that
 * detects them itself.
 */
class SniffedCsvReadTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void duckDb() {
        NativeCopies.loadDuckDb();
    }

    /** Rows past the 20,480 the sniffer samples, so that a value after them was not seen by it. */
    private static String sampled(String header, String row) {
        StringBuilder csv = new StringBuilder(header).append('\n');
        for (int i = 0; i < 21_000; i++)
            csv.append(row.replace("#", Integer.toString(i))).append('\n');
        return csv.toString();
    }

    static Stream<Case> files() {
        return Stream.of(
                csv("quote past a quote-less sample", sampled("id,name", "#,n#") + "21000,\"x, \"\"y\"\"\"\n21001,z\n"),
                csv("quoted word past a quote-less sample", sampled("id,name", "#,n#") + "21000,\"xy\"\n"),
                csv("quoted number past a quote-less sample", sampled("id,name", "#,n#") + "\"21000\",a\n"),
                csv("quotes and doubled quotes in the sample", "id,note\n1,\"a, \"\"q\"\" b\"\n2,\"c\"\n3,d\n"),
                csv("no header", "1,a,2024-01-31\n2,b,2024-02-01\n").header(false),
                csv("dates d.m.Y", "day,n\n31.03.2026,1\n01.12.2025,2\n"),
                csv("dates m/d/Y", "day,n\n03/29/2026,1\n12/31/2025,2\n"),
                csv("timestamps d/m/Y", "at,n\n29/03/2026 10:11:12,1\n31/12/2025 23:59:59,2\n"),
                new Case("byte order mark", "id,name\n1,é\n2,b\n", "bom.csv", true, "utf-8", true, false),
                csv("crlf with a quoted line end", "id,name\r\n1,a\r\n2,\"b\r\nc\"\r\n3,d\r\n"),
                new Case("latin-1", "id,name\n1,café\n2,naïve\n", "l.csv", true, "latin-1", false, false),
                csv("only text columns", "a,b\nx,y\nz,w\n"),
                csv("a number column read as text by its sniff", "zip,n\n02134,1\n10001,2\n"),
                csv("header only", "id,name\n"),
                new Case("gzip", sampled("id,amount", "#,#.5"), "g.csv.gz", true, "utf-8", false, true),
                csv("a malformed row", "id,name\n1,a\n2,b,extra\n3,c\n"),
                csv("a bad value past the sample", sampled("id,n", "#,#") + "21000,n/a\n"),
                csv("semicolons", "id;name;amount\n1;a;1,5\n2;b;2,25\n"),
                csv("tabs", "id\tname\n1\ta\n2\tb\n"),
                csv("a comment line", "# exported\nid,name\n1,a\n"),
                csv("duplicate and empty names", "id,id,\n1,2,3\n"),
                csv("blank lines and a missing last newline", "id,name\n1,a\n\n2,b"),
                csv("a line before the header and a malformed row", "my export\nid,name,n\n1,a,2\n2,b,3,4\n5,c,6\n"),
                csv("a header and blank lines", "id,name\n\n\n"),
                csv("blank lines before the header, a malformed row", "\n\nid,name\n1,a\n2,b,c\n3,d\n"),
                csv("no header, a malformed row", "1,a\n2,b,c\n3,d\n").header(false),
                csv("too few columns past the sample", sampled("id,name", "#,n#") + "21000\n21001,z\n"),
                csv("too many columns past the sample", sampled("id,name", "#,n#") + "21000,a,b\n21001,z\n"),
                csv("a quote and unicode in names", "\"it's\",\"na\"\"me\",é\n1,2,3\n"),
                csv("a backslash escape", "id,s\n1,\"a\\\"b\"\n2,\"c\"\n"),
                csv("single quotes", "id,name\n1,'a,b'\n2,'c'\n"),
                csv("cr line ends", "id,name\r1,a\r2,b\r"),
                csv("time zones", "at,n\n2024-01-01 10:00:00+02,1\n2024-01-02 11:00:00+02,2\n"),
                csv("short rows in the sample", "a,b,c\n1,2\n3,4,5\n"));
    }

    private static Case csv(String what, String text) {
        return new Case(what, text, "f.csv", true, "utf-8", false, false);
    }

    record Case(String what, String text, String name, boolean header, String encoding, boolean bom, boolean gzip) {
        Case header(boolean h) {
            return new Case(what, text, name, h, encoding, bom, gzip);
        }

        @Override
        public String toString() {
            return what;
        }

        byte[] bytes() throws Exception {
            byte[] b = text.getBytes(encoding.equals("latin-1") ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
            if (bom) {
                byte[] withBom = new byte[b.length + 3];
                withBom[0] = (byte) 0xEF;
                withBom[1] = (byte) 0xBB;
                withBom[2] = (byte) 0xBF;
                System.arraycopy(b, 0, withBom, 3, b.length);
                b = withBom;
            }
            if (!gzip) return b;
            ByteArrayOutputStream zipped = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(zipped)) {
                gz.write(b);
            }
            return zipped.toByteArray();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void readsAsTheReadThatDetectsItself(Case c) throws Exception {
        Path file = dir.resolve(c.name());
        Files.write(file, c.bytes());
        LocalFiles input = new LocalFiles(List.of(LocalFiles.Part.whole(file, "k")), "csv", c.header(), null)
                .withEncoding(c.encoding());
        Reader detecting = Reader.of(input, "t", false).orElseThrow();
        assertThat(detecting.detected()).isNotNull();
        try (Connection conn = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = conn.createStatement()) {
            List<String> asDetected = read(s, detecting);
            Reader checked = detecting.checkedInRead(s);
            assertThat(checked.relation()).contains("auto_detect = false");
            List<String> sniffed;
            try {
                sniffed = read(s, checked);
            } catch (SQLException e) {
                assertThat(DetectedCsv.raised(e)).as(e.getMessage()).isTrue();
                sniffed = read(s, detecting.resolved(s));
            }
            assertThat(sniffed).containsExactlyElementsOf(asDetected);
            assertThat(read(s, detecting.resolved(s))).containsExactlyElementsOf(asDetected);
        }
    }

    /** The columns with their types, the rows in the read's order, then the bad records. */
    private static List<String> read(Statement s, Reader reader) throws SQLException {
        for (String sql : reader.prepare()) s.execute(sql);
        List<String> out = new ArrayList<>();
        try (Statement q = s.getConnection().createStatement()) {
            rows(q, reader.relation(), out, true);
            for (String sql : reader.after()) q.execute(sql);
            rows(q, "SELECT * EXCLUDE (file_path) FROM " + reader.rejects() + " ORDER BY ALL", out, false);
            for (String sql : reader.drops()) q.execute(sql);
        }
        return out;
    }

    private static void rows(Statement s, String query, List<String> out, boolean types) throws SQLException {
        try (ResultSet r = s.executeQuery(query)) {
            int n = r.getMetaData().getColumnCount();
            List<String> columns = new ArrayList<>();
            for (int i = 1; i <= n; i++)
                columns.add(r.getMetaData().getColumnName(i)
                        + (types ? " " + r.getMetaData().getColumnTypeName(i) : ""));
            out.add(String.join(", ", columns));
            while (r.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) row.add(r.getString(i));
                out.add(String.join("|", row));
            }
        }
    }
}
