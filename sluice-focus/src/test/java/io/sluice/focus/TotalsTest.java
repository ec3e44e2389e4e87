package io.sluice.focus;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** BilledCost per billing period equals the export's invoice total, to the cent (in fact exactly). */
class TotalsTest {
    @Test
    void awsPublicSample() throws Exception {
        try (Duck d = new Duck()) {
            d.csv("cur", Convert.resource("public/aws-cur-anonymized-1281rows.csv"));
            Convert.into(d, "aws-cur", "cur", "focus");
            List<Map<String, Object>> pairs = d.rows("""
                    SELECT f.period, f.billed, c.unblended FROM
                      (SELECT BillingPeriodStart AS period, sum(BilledCost) AS billed FROM focus GROUP BY ALL) f
                      JOIN (SELECT "bill/BillingPeriodStartDate" AS period,
                                   sum("lineItem/UnblendedCost"::VARCHAR::DECIMAL(38,12)) AS unblended FROM cur GROUP BY ALL) c
                      USING (period)""");
            assertThat(pairs).hasSize(1);
            BigDecimal billed = (BigDecimal) pairs.get(0).get("billed");
            assertThat(billed).isEqualByComparingTo((BigDecimal) pairs.get(0).get("unblended"));
            assertThat(billed).isEqualByComparingTo("1.6823086974");
            assertThat(d.value("SELECT count(*) FROM focus")).isEqualTo(1281L);
        }
    }
}
