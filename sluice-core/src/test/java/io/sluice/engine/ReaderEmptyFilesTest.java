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
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Csv files that hold no row (empty, blank, a header line alone) add no row and no column to a pack's read, and do
 * not turn its columns into text; an input of nothing but empty files has nothing to read.
 */
class ReaderEmptyFilesTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void duckDb() {
        NativeCopies.loadDuckDb();
    }

    private Path file(String name, byte[] content) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    private Path file(String name, String content) throws Exception {
        return file(name, content.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] gzip(String text) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    private static LocalFiles csv(boolean header, Path... files) {
        List<LocalFiles.Part> parts = new ArrayList<>();
        for (Path f : files) parts.add(LocalFiles.Part.whole(f, f.getFileName().toString()));
        return new LocalFiles(parts, "csv", header, null);
    }

    /** The columns with their types, then the rows ({@code |}-joined, in the read's order). */
    private static List<String> read(LocalFiles input) throws Exception {
        Reader reader = Reader.of(input, "t", false).orElseThrow();
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT * FROM (" + reader.relation() + ") ORDER BY ALL")) {
            List<String> columns = new ArrayList<>();
            for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
                columns.add(
                        r.getMetaData().getColumnName(i) + " " + r.getMetaData().getColumnTypeName(i));
            }
            out.add(String.join(", ", columns));
            while (r.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= columns.size(); i++) row.add(r.getString(i));
                out.add(String.join("|", row));
            }
        }
        return out;
    }

    @Test
    void filesWithoutRowsShapeNeitherTheColumnsNorTheirTypes() throws Exception {
        LocalFiles pack = csv(
                true,
                file("a.csv", "id,name\n1,a\n"),
                file("b_empty.csv", ""),
                file("c_blank.csv", " \n\r\n\t\n"),
                file("d_header.csv", "id,other\n"),
                file("e_header_crlf.csv", "id,note\r\n"),
                file("f_header_no_newline.csv", "id,extra"),
                file("g_empty.csv.gz", gzip("")),
                file("h_header.csv.gz", gzip("id,zipped\n")),
                file("i.csv", "id,name\n2,b\n"));
        assertThat(read(pack)).containsExactly("id BIGINT, name VARCHAR", "1|a", "2|b");
    }

    @Test
    void aHeaderWithAnythingAfterItIsRead() throws Exception {
        // a blank line after a one-column header is a row (of NULL) to DuckDB: only a file that ends after its header
        // line is left out
        LocalFiles pack = csv(true, file("a.csv", "id\n1\n"), file("b.csv", "id\n\n"));
        assertThat(read(pack)).containsExactly("id BIGINT", "1", "null");
    }

    @Test
    void withoutAHeaderOnlyEmptyAndBlankFilesAreLeftOut() throws Exception {
        LocalFiles pack = csv(false, file("a.csv", "1,a\n"), file("b.csv", ""), file("c.csv", "\n \n"));
        assertThat(read(pack)).containsExactly("column0 BIGINT, column1 VARCHAR", "1|a");
    }

    @Test
    void headerOnlyFilesAloneGiveTheirColumnsAndNoRow() throws Exception {
        LocalFiles pack = csv(true, file("a.csv", "id,name\n"), file("b.csv", ""), file("c.csv", "id,note\n"));
        assertThat(read(pack)).containsExactly("id VARCHAR, name VARCHAR, note VARCHAR");
    }

    @Test
    void emptyFilesAloneHaveNothingToRead() throws Exception {
        assertThat(Reader.of(csv(true, file("a.csv", "")), "t", false)).isEmpty();
        assertThat(Reader.of(csv(true, file("b.csv", " \n"), file("c.csv.gz", gzip(""))), "t", false))
                .isEmpty();
        assertThat(Reader.of(csv(false, file("d.csv", "")), "t", false)).isEmpty();
    }
}
