package io.sluice.focus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.spi.BadRecordPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code validate: true}: the row rules of the model, in the step, following the pipeline's on_bad_record. */
class StepValidationTest {
    @TempDir
    Path dir;

    private Path brokenMapping() throws Exception {
        Path m = dir.resolve("broken.yaml");
        Files.writeString(m, """
                extends: aws-cur
                columns:
                  ChargeFrequency: "CASE WHEN line_type = 'Tax' THEN 'Usage-based' ELSE 'One-Time' END"
                """);
        return m;
    }

    @Test
    void rowsOfAGoodConversionCarryNoErrors() throws Exception {
        try (Duck d = new Duck()) {
            d.csv("cur", Convert.resource("aws-cur/line-types.csv"));
            d.run("CREATE TABLE focus AS "
                    + FocusStep.of("aws-cur", "1.2", null, false, true, BadRecordPolicy.DEAD_LETTER)
                            .apply("SELECT * FROM cur"));
            assertThat(d.value("SELECT count(*) FROM focus")).isEqualTo(16L);
            assertThat(d.value("SELECT count(x_ValidationErrors) FROM focus")).isEqualTo(0L);
        }
    }

    @Test
    void brokenRowsAreFlaggedAndKeptUnlessBadRecordsFailTheSplit() throws Exception {
        Path broken = brokenMapping();
        try (Duck d = new Duck()) {
            d.csv("cur", Convert.resource("aws-cur/line-types.csv"));
            d.run("CREATE TABLE flagged AS "
                    + FocusStep.of("aws-cur", "1.2", broken, false, true, BadRecordPolicy.DEAD_LETTER)
                            .apply("SELECT * FROM cur"));
            assertThat(d.value("SELECT count(*) FROM flagged"))
                    .as("nothing dropped")
                    .isEqualTo(16L);
            assertThat(d.value("SELECT x_ValidationErrors FROM flagged WHERE x_LineItemType = 'Tax'"))
                    .isEqualTo("ChargeFrequency-C-003-M");
            assertThat(d.value("SELECT x_ValidationErrors FROM flagged WHERE ResourceId = 'i-0abc1234'"))
                    .as("usage billed One-Time is fine; purchases may not be Usage-Based")
                    .isNull();

            FocusStep step = FocusStep.of("aws-cur", "1.2", broken, false, true, BadRecordPolicy.FAIL);
            String failing = step.apply("SELECT * FROM cur");
            assertThatThrownBy(() -> d.run("CREATE TABLE failed AS " + failing))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("focus validate: a row breaks the FOCUS rule(s) ChargeFrequency-C-003-M")
                    .hasMessageContaining("ChargeCategory=Tax")
                    .satisfies(e -> assertThat(step.raised(e.getMessage()))
                            .as("the step's own check: the split is dead at once, not retried")
                            .isTrue());
            assertThat(step.raised("IO Error: Could not read file")).isFalse();
        }
    }
}
