package io.sluice.focus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.ConfigException;
import io.sluice.focus.mapping.Mapping;
import io.sluice.focus.mapping.MappingLoader;
import io.sluice.spi.BadRecordPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Users read, copy and override mapping files; mistakes point at the file and line. */
class MappingFilesTest {
    @TempDir
    Path dir;

    @Test
    void aFileExtendingABuiltInChangesOnlyWhatItLists() throws Exception {
        Path mine = dir.resolve("my-aws.yaml");
        Files.writeString(mine, """
                extends: aws-cur
                lookups:
                  teams: { file: teams.csv, key: Team }
                let:
                  team: { lookup: teams, key: "tags->>'user:team'" }
                columns:
                  ServiceName: "'AWS ' || \\"lineItem/ProductCode\\""
                extras:
                  x_CostCenter: team.CostCenter
                """);
        Files.writeString(dir.resolve("teams.csv"), "Team,CostCenter\nweb,CC-100\ndata,CC-200\n");
        Mapping m = MappingLoader.file(mine, "1.2");
        assertThat(m.provider()).isEqualTo("aws-cur");
        assertThat(m.columns().get("ServiceName").sql()).contains("'AWS '");
        assertThat(m.columns().get("BilledCost"))
                .isEqualTo(MappingLoader.builtin("aws-cur", "1.2").columns().get("BilledCost"));
        assertThat(m.origin()).endsWith("my-aws.yaml");

        try (Duck d = new Duck()) {
            d.csv("cur", Convert.resource("aws-cur/line-types.csv"));
            String sql = FocusStep.of("aws-cur", "1.2", mine, false, false, BadRecordPolicy.FAIL)
                    .apply("SELECT * FROM cur");
            d.run("CREATE TABLE focus AS " + sql);
            assertThat(Convert.row(d, "focus", "ResourceId", "i-0abc1234"))
                    .containsEntry("ServiceName", "AWS AmazonEC2")
                    .containsEntry("x_CostCenter", "CC-100");
            assertThat(Convert.row(d, "focus", "ResourceId", "i-0spot999")).containsEntry("x_CostCenter", null);
        }
    }

    @Test
    void mistakesNameTheFileTheLineAndTheEntry() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, """
                extends: aws-cur
                columns:
                  BilledCosts: "0"
                extras:
                  CostCenter: "'x'"
                let:
                  Bad-Name: "1"
                """);
        assertThatThrownBy(() -> MappingLoader.file(bad, "1.2"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("bad.yaml:3:")
                .hasMessageContaining("columns.BilledCosts: not a FOCUS 1.2 column")
                .hasMessageContaining("extras.CostCenter: extra columns must be named x_")
                .hasMessageContaining("let.Bad-Name: names are lower_snake_case");
    }

    @Test
    void everyMandatoryColumnNeedsARule() throws Exception {
        Path partial = dir.resolve("partial.yaml");
        Files.writeString(partial, """
                provider: mine
                focus_version: "1.2"
                columns:
                  BilledCost: "0"
                """);
        assertThatThrownBy(() -> MappingLoader.file(partial, "1.2"))
                .hasMessageContaining("the mandatory FOCUS column ChargeCategory has no rule");
    }

    @Test
    void everyBuiltInMappingLoads() {
        for (String p : MappingLoader.PROVIDERS) {
            assertThat(MappingLoader.builtin(p, "1.2").provider()).isEqualTo(p);
        }
    }
}
