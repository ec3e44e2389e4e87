package io.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.NativeCopies;
import io.sluice.spi.source.LocalFiles;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A split's files are checked against their declared csv types by one sniff of each group, for both of its reads (the
 * read checking its values itself, then, after it raised, the read again): a sniff reads the files' first rows again.
 */
class DeclaredCsvCheckTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void duckDb() {
        NativeCopies.loadDuckDb();
    }

    @ParameterizedTest(name = "text columns: {0}")
    @ValueSource(booleans = {false, true})
    void aSplitsTwoReadsSniffAGroupOfFilesOnce(boolean textColumns) throws Exception {
        Path a = dir.resolve("a.csv");
        Path b = dir.resolve("b.csv");
        // a declared date read as text and cast in the format the sniff finds (month first)
        Files.writeString(a, "day,n\n03/29/2026,1\n12/31/2025,2\n");
        Files.writeString(b, "day,n\n01/02/2026,3\n");
        LocalFiles input = new LocalFiles(
                        List.of(LocalFiles.Part.whole(a, "a.csv"), LocalFiles.Part.whole(b, "b.csv")),
                        "csv",
                        true,
                        null)
                .withTextColumns(textColumns)
                .withDeclared(Map.of("day", "date"));
        Reader reader = Reader.of(input, "t", false).orElseThrow();
        assertThat(reader.declared().groups()).as("one group of two files").hasSize(1);
        List<String> sniffs = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = c.createStatement()) {
            Statement counted = counting(Statement.class, s, sniffs);
            reader.checkedInRead(counted);
            reader.resolved(counted);
        }
        assertThat(sniffs).as("the sniffs of the split's two reads").hasSize(1);
    }

    /** {@code target}, adding each query of {@code sniff_csv} run through it, or a statement or connection it gives. */
    private static <T> T counting(Class<T> type, T target, List<String> sniffs) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            if (args != null && args.length > 0 && args[0] instanceof String sql && sql.contains("sniff_csv("))
                sniffs.add(sql);
            Object result;
            try {
                result = method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (result == null) return null;
            if (method.getReturnType() == Connection.class)
                return counting(Connection.class, (Connection) result, sniffs);
            if (method.getReturnType() == Statement.class) return counting(Statement.class, (Statement) result, sniffs);
            return result;
        }));
    }
}
