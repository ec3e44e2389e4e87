package io.sluice.focus;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Output instants do not depend on the engine session's time zone, whatever type the reader guessed. */
class TimeZoneTest {
    @Test
    void naiveAndZonedInputsAreUtc() throws Exception {
        try (Duck d = new Duck()) {
            d.run("SET TimeZone = 'America/Los_Angeles'");
            d.typedCsv("cur", Convert.resource("aws-cur/line-types.csv"));
            d.csv("raw", Convert.resource("aws-cur/line-types.csv"));
            // the same file with naive timestamps (a Parquet export without zone) and as plain text
            d.run(
                    "CREATE TABLE naive AS SELECT * REPLACE ("
                            + "CAST(\"lineItem/UsageStartDate\" AT TIME ZONE 'UTC' AS TIMESTAMP) AS \"lineItem/UsageStartDate\") FROM cur");
            d.run(
                    "CREATE TABLE text AS SELECT * REPLACE ("
                            + "strftime(\"lineItem/UsageStartDate\" AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S') AS \"lineItem/UsageStartDate\") FROM cur");
            for (String table : new String[] {"cur", "naive", "text", "raw"}) {
                Convert.into(d, "aws-cur", table, "focus_" + table);
                assertThat(Convert.row(d, "focus_" + table, "ResourceId", "i-0abc1234")
                                .get("ChargePeriodStart"))
                        .as(table)
                        .isEqualTo(OffsetDateTime.parse("2023-11-03T10:00:00Z"));
            }
        }
    }

    /**
     * A date column a reader typed as an instant (a Parquet export) is the UTC day: cast in the session's zone,
     * 2023-09-01T00:00Z was 31 August west of UTC, and the row went to August's billing period.
     */
    @Test
    void datesTypedAsInstantsAreUtcDays() throws Exception {
        try (Duck d = new Duck()) {
            d.run("SET TimeZone = 'America/Los_Angeles'");
            d.run("CREATE TABLE azure AS SELECT 'Usage' AS ChargeType, '8611537' AS BillingAccountId, "
                    + "TIMESTAMPTZ '2023-09-01 00:00:00+00' AS \"Date\", "
                    + "TIMESTAMPTZ '2023-09-01 00:00:00+00' AS BillingPeriodStartDate, "
                    + "TIMESTAMPTZ '2023-09-30 00:00:00+00' AS BillingPeriodEndDate, "
                    + "'1.25' AS Cost, 'USD' AS BillingCurrency");
            Convert.into(d, "azure", "azure", "focus");
            Map<String, Object> r = Convert.rowWhere(d, "focus", "true");
            assertThat(r)
                    .containsEntry("ChargePeriodStart", OffsetDateTime.parse("2023-09-01T00:00:00Z"))
                    .containsEntry("BillingPeriodStart", OffsetDateTime.parse("2023-09-01T00:00:00Z"))
                    .containsEntry("BillingPeriodEnd", OffsetDateTime.parse("2023-10-01T00:00:00Z"));
        }
    }
}
