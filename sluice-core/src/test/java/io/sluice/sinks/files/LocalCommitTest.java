package io.sluice.sinks.files;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.Options;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.engine.DuckRows;
import io.sluice.spi.BadRecordPolicy;
import io.sluice.spi.Member;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.Split;
import io.sluice.spi.sink.BadRows;
import io.sluice.spi.sink.SinkWriter;
import io.sluice.spi.sink.WriteContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files sink on a local folder stages under the output folder, on the same disk: a commit renames, never copies. */
class LocalCommitTest {
    @TempDir
    Path dir;

    @Test
    void aCommitMovesTheStagedFileIntoPlace() throws Exception {
        Options o = new Validator(dir, k -> null)
                .validate(YamlReader.parse("sink.yaml", "path: out\nformat: csv\n"), FilesSinkFactory.OPTIONS);
        FilesSink sink = (FilesSink) new FilesSinkFactory()
                .create(
                        o,
                        new PipelineContext(
                                "local", dir.resolve("p.yaml"), 1, BadRecordPolicy.FAIL, Clock.systemUTC()));
        sink.prepare();
        Split split = new Split("a.csv", List.of(Member.whole("a.csv", "10:1", null)), 10);
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                SinkWriter w = sink.open(split, new WriteContext(Files.createDirectories(dir.resolve("scratch"))))) {
            w.stage(new DuckRows(c, "SELECT i FROM range(3) t(i)"), BadRows.NONE);
            Path staged = onlyFile(dir.resolve("out/_sluice/staging"));
            Object stagedInode =
                    Files.readAttributes(staged, BasicFileAttributes.class).fileKey();

            List<String> outputs = w.commit(new Commits().in(null)).outputs();

            Path committed = dir.resolve("out").resolve(outputs.getFirst());
            assertThat(Files.readAllLines(committed)).containsExactly("i", "0", "1", "2");
            assertThat(stagedInode).as("the file system gives inodes here").isNotNull();
            assertThat(Files.readAttributes(committed, BasicFileAttributes.class)
                            .fileKey())
                    .as("the staged file itself, renamed")
                    .isEqualTo(stagedInode);
        }
    }

    private static Path onlyFile(Path folder) throws Exception {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile)
                    .reduce((a, b) -> {
                        throw new AssertionError("more than one staged file: " + a + ", " + b);
                    })
                    .orElseThrow();
        }
    }
}
