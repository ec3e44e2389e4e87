package io.sluice.focus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.spi.BadRecordPolicy;
import java.math.BigDecimal;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** {@code provider: auto}: each row converted by the export its columns belong to; an unknown row fails loudly. */
class AutoProviderTest {
    private static String auto(String table) {
        return FocusStep.of("auto", "1.2", null, false, false, BadRecordPolicy.FAIL)
                .apply("SELECT * FROM " + table);
    }

    @Test
    void rowsOfSeveralExportsInOneInput() throws Exception {
        try (Duck d = new Duck()) {
            d.csv("aws", Convert.resource("aws-cur/line-types.csv"));
            d.csv("oci", Convert.resource("public/oci-cost-report-506rows.csv"));
            d.csv("azure", Convert.resource("public/azure/ea-actual-cost-small.csv"));
            d.run(
                    "CREATE TABLE mixed AS SELECT * FROM aws UNION ALL BY NAME SELECT * FROM oci UNION ALL BY NAME SELECT * FROM azure");
            d.run("CREATE TABLE focus AS " + auto("mixed"));
            assertThat(d.rows("SELECT ProviderName, count(*) AS n FROM focus GROUP BY ALL ORDER BY 1"))
                    .extracting(r -> r.get("ProviderName") + "=" + r.get("n"))
                    .containsExactly("AWS=16", "Microsoft=11", "Oracle=506");
            for (String provider : new String[] {"aws-cur", "oci", "azure"}) {
                String single = provider.equals("aws-cur") ? "aws" : provider;
                Convert.into(d, provider, single, "one");
                BigDecimal expected = (BigDecimal) d.value("SELECT sum(BilledCost) FROM one");
                BigDecimal got = (BigDecimal)
                        d.value(
                                "SELECT sum(BilledCost) FROM focus WHERE ProviderName = (SELECT any_value(ProviderName) FROM one)");
                assertThat(got).as(provider).isEqualByComparingTo(expected);
            }
        }
    }

    @Test
    void aRowNoExportClaimsFailsTheSplit() throws Exception {
        try (Duck d = new Duck()) {
            d.run("CREATE TABLE odd AS SELECT 'x' AS something, 1.5 AS amount");
            assertThatThrownBy(() -> d.run("CREATE TABLE focus AS " + auto("odd")))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("a row matches none of the exports");
        }
    }
}
