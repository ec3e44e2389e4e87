package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.testkit.Workspace;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every dead letter has the same fields in the same order, whether its record is named by its line (a whole file) or
 * by its byte (a range of an object in a store): a reader of all of a pipeline's {@code _dead_letter/} files (DuckDB,
 * Spark, jq) sees one shape, and the {@code byte} column whatever file it samples first.
 */
class DeadLetterFieldsTest {
    @TempDir
    Path dir;

    @Test
    void theDeadLettersOfAWholeFileAndOfARangeNamedByItsByteAreReadTogetherWithTheSameFields() throws Exception {
        StringBuilder big = new StringBuilder("id,v\n");
        for (int i = 0; i < 400; i++) big.append(i).append(",10\n");
        long bad = big.length();
        big.append("x,1,2\n");
        for (int i = 0; i < 10; i++) big.append(i).append(",20\n");
        String source =
                S3Inputs.put("dlfields", Map.of("big.csv", big.toString(), "small.csv", "id,v\n1,10\n2,oops,9\n"));
        Path p = Workspace.in(dir).pipeline("""
                pipeline: dlfields
                source: { files: { %s, split_size: 1KB } }
                sink: { files: { path: out, format: parquet } }
                """.formatted(source));
        run(p).ok();

        List<String> fields = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Workspace.in(dir).deadLetters()) {
            List<String> names = new ArrayList<>();
            json.readTree(line).fieldNames().forEachRemaining(names::add);
            fields.add(String.join(",", names));
        }
        assertThat(fields).hasSize(2).allMatch("split,file,line,byte,reason,record"::equals);
        // one read over all the files (a column null in every record of the files a reader samples, as line in those
        // of a range named by byte, is typed by none: DuckDB samples every file here, up to 32)
        String all = "read_json('" + dir.resolve("out/_dead_letter") + "/**/*.jsonl')";
        assertThat(Workspace.query("SELECT file, line, \"byte\", record FROM " + all))
                .containsExactly("big.csv|null|" + bad + "|x,1,2", "small.csv|3|null|2,oops,9");
    }
}
