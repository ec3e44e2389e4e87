package io.sluice.focus;

import static io.sluice.focus.Convert.dec;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CUR 2.0: the hand-made legacy rows of {@code aws-cur/line-types.csv}, rewritten with CUR 2.0's names and map
 * columns (as Parquet, and as CSV with the maps as JSON text), convert to the same FOCUS rows as the legacy file,
 * plus what only CUR 2.0 has (account names, capacity reservations).
 */
class AwsCur2ConversionTest {
    @TempDir
    static Path dir;

    private static Duck d;

    /** Legacy CUR to CUR 2.0: snake_case names, the A_R_N spelling, product and tag maps. */
    static final String TO_CUR2 = """
            SELECT "bill/InvoiceId" AS bill_invoice_id, "bill/InvoicingEntity" AS bill_invoicing_entity,
                   "bill/PayerAccountId" AS bill_payer_account_id, 'Acme Payer' AS bill_payer_account_name,
                   "bill/BillingPeriodStartDate" AS bill_billing_period_start_date, "bill/BillingPeriodEndDate" AS bill_billing_period_end_date,
                   "lineItem/UsageAccountId" AS line_item_usage_account_id, 'acme-dev' AS line_item_usage_account_name,
                   "lineItem/LineItemType" AS line_item_line_item_type, "lineItem/UsageStartDate" AS line_item_usage_start_date,
                   "lineItem/UsageEndDate" AS line_item_usage_end_date, "lineItem/ProductCode" AS line_item_product_code,
                   "lineItem/UsageType" AS line_item_usage_type, "lineItem/Operation" AS line_item_operation,
                   "lineItem/ResourceId" AS line_item_resource_id, "lineItem/AvailabilityZone" AS line_item_availability_zone,
                   "lineItem/UsageAmount" AS line_item_usage_amount, "lineItem/CurrencyCode" AS line_item_currency_code,
                   "lineItem/UnblendedRate" AS line_item_unblended_rate, "lineItem/UnblendedCost" AS line_item_unblended_cost,
                   "lineItem/LineItemDescription" AS line_item_line_item_description, "lineItem/TaxType" AS line_item_tax_type,
                   "lineItem/LegalEntity" AS line_item_legal_entity, "product/sku" AS product_sku,
                   "product/region" AS product_region_code,
                   MAP {'product_name': "product/ProductName", 'location': "product/location"} AS product,
                   "pricing/RateCode" AS pricing_rate_code, "pricing/RateId" AS pricing_rate_id,
                   "pricing/publicOnDemandCost" AS pricing_public_on_demand_cost, "pricing/publicOnDemandRate" AS pricing_public_on_demand_rate,
                   "pricing/term" AS pricing_term, "pricing/unit" AS pricing_unit,
                   "reservation/ReservationARN" AS reservation_reservation_a_r_n, "reservation/EffectiveCost" AS reservation_effective_cost,
                   "reservation/TotalReservedUnits" AS reservation_total_reserved_units, "reservation/UnusedQuantity" AS reservation_unused_quantity,
                   "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod" AS reservation_unused_amortized_upfront_fee_for_billing_period,
                   "reservation/UnusedRecurringFee" AS reservation_unused_recurring_fee,
                   "savingsPlan/SavingsPlanARN" AS savings_plan_savings_plan_a_r_n,
                   "savingsPlan/SavingsPlanEffectiveCost" AS savings_plan_savings_plan_effective_cost,
                   "savingsPlan/TotalCommitmentToDate" AS savings_plan_total_commitment_to_date,
                   "savingsPlan/UsedCommitment" AS savings_plan_used_commitment,
                   map_from_entries(list_filter([{'key': 'user_team', 'value': "resourceTags/user:team"},
                                                 {'key': 'aws_created_by', 'value': "resourceTags/aws:createdBy"}], lambda e: e.value IS NOT NULL)) AS resource_tags,
                   MAP {'team-cost': 'engineering'} AS cost_category,
                   CASE WHEN "identity/LineItemId" = 'usage-od' THEN 'arn:aws:ec2:us-east-1:012345678901:capacity-reservation/cr-0001' END
                     AS capacity_reservation_capacity_reservation_a_r_n,
                   CASE WHEN "identity/LineItemId" = 'usage-od' THEN 'UsedCapacityReservation' END AS capacity_reservation_capacity_reservation_status
            FROM legacy""";

    @BeforeAll
    static void convert() throws Exception {
        d = new Duck();
        d.csv("legacy", Convert.resource("aws-cur/line-types.csv"));
        Convert.into(d, "aws-cur", "legacy", "f_legacy");
        Path parquet = dir.resolve("cur2.parquet");
        Path csv = dir.resolve("cur2.csv");
        d.run("COPY (" + TO_CUR2 + ") TO '" + parquet + "' (FORMAT parquet)");
        d.run("COPY (SELECT * REPLACE (to_json(product) AS product, to_json(resource_tags) AS resource_tags, "
                + "to_json(cost_category) AS cost_category) FROM (" + TO_CUR2 + ")) TO '" + csv
                + "' (FORMAT csv, HEADER)");
        d.load("cur2", "read_parquet('" + parquet + "')");
        d.csv("cur2csv", csv);
        Convert.into(d, "aws-cur2", "cur2", "f_cur2");
        Convert.into(d, "aws-cur2", "cur2csv", "f_cur2csv");
    }

    @AfterAll
    static void close() throws Exception {
        d.close();
    }

    @Test
    void sameFocusRowsAsTheLegacyReport() throws Exception {
        List<String> only = List.of("BillingAccountName", "SubAccountName", "Tags");
        String columns = String.join(
                ", ",
                d.types("f_legacy").keySet().stream()
                        .filter(c -> !only.contains(c))
                        .map(c -> '"' + c + '"')
                        .toList());
        for (String table : List.of("f_cur2", "f_cur2csv")) {
            assertThat(d.value("SELECT count(*) FROM " + table)).isEqualTo(d.value("SELECT count(*) FROM f_legacy"));
            assertThat(d.rows("SELECT " + columns + " FROM f_legacy EXCEPT ALL SELECT " + columns + " FROM " + table))
                    .as(table + ": the legacy file's FOCUS rows, column for column")
                    .isEmpty();
        }
    }

    @Test
    void whatOnlyCur2Has() throws Exception {
        Map<String, Object> r = Convert.row(d, "f_cur2", "ResourceId", "i-0abc1234");
        assertThat(r)
                .containsEntry("BillingAccountName", "Acme Payer")
                .containsEntry("SubAccountName", "acme-dev")
                .containsEntry(
                        "CapacityReservationId", "arn:aws:ec2:us-east-1:012345678901:capacity-reservation/cr-0001")
                .containsEntry("CapacityReservationStatus", "Used")
                .containsEntry("BilledCost", dec("0.96"))
                .containsEntry("ServiceName", "Amazon Elastic Compute Cloud")
                .containsEntry("RegionId", "us-east-1");
        assertThat(d.value("SELECT Tags::VARCHAR FROM f_cur2 WHERE ResourceId = 'i-0abc1234'"))
                .isEqualTo(
                        "{\"costCategory/team-cost\":\"engineering\",\"user_team\":\"web\",\"aws_created_by\":\"IAMUser:AIDA:alice\"}");
        assertThat(Convert.row(d, "f_cur2csv", "ResourceId", "i-0abc1234"))
                .containsEntry("CapacityReservationStatus", "Used");
        assertThat(Convert.row(d, "f_cur2", "x_LineItemType", "DiscountedUsage"))
                .as("the a_r_n spelling is read")
                .containsEntry("CommitmentDiscountId", "arn:aws:ec2:us-east-1:012345678901:reserved-instances/ri-0001");
    }

    /**
     * A cost of only spaces is an empty cost, null, also where a mapping of one's own reads the CUR 2.0 column as text
     * (as the not-a-number error suggests): the legacy column its rename makes was cast without a trim, and DuckDB
     * failed the split with "Could not convert string" naming no column, while an empty cost was null.
     */
    @Test
    void aCostOfOnlySpacesIsAnEmptyCostWhereverItIsConverted() throws Exception {
        Path mine = dir.resolve("cur2-cost-as-text.yaml");
        java.nio.file.Files.writeString(mine, """
                extends: aws-cur2
                source:
                  required:
                    "line_item_unblended_cost": string
                """);
        d.run("CREATE TABLE blank_costs AS SELECT * REPLACE (CASE line_item_resource_id WHEN 'i-0abc1234' THEN ''"
                + " WHEN 'i-0spot999' THEN '   ' ELSE line_item_unblended_cost END AS line_item_unblended_cost)"
                + " FROM cur2csv");
        for (Path mapping : java.util.Arrays.asList(null, mine)) {
            String sql = FocusStep.of("aws-cur2", "1.2", mapping, false, false, io.sluice.spi.BadRecordPolicy.FAIL)
                    .apply("SELECT * FROM blank_costs");
            String out = mapping == null ? "blank_built_in" : "blank_own";
            d.run("CREATE TABLE " + out + " AS " + sql);
            assertThat(Convert.row(d, out, "ResourceId", "i-0abc1234"))
                    .as(out + ": an empty cost")
                    .containsEntry("BilledCost", null);
            assertThat(Convert.row(d, out, "ResourceId", "i-0spot999"))
                    .as(out + ": a cost of spaces, as an empty one")
                    .containsEntry("BilledCost", null);
        }
    }

    /**
     * Legacy CUR delivered as Parquet (Athena names) has one column per tag, {@code resource_tags_user_team}, and
     * an empty string where a resource lacks the tag; CUR 2.0 has the {@code resource_tags} map instead.
     */
    @Test
    void legacyParquetTagColumnsAreTheTags() throws Exception {
        String f = legacyParquet(
                "legacy_parquet",
                "coalesce(resource_tags['user_team'], '') AS resource_tags_user_team,"
                        + " coalesce(resource_tags['aws_created_by'], '') AS resource_tags_aws_created_by");
        assertThat(tags(f, "i-0abc1234"))
                .isEqualTo("{\"user_team\":\"web\",\"aws_created_by\":\"IAMUser:AIDA:alice\"}");
        assertThat(tags(f, "i-0spot999"))
                .as("an untagged resource's empty tag columns are no tags")
                .isNull();
    }

    /**
     * Cost categories are tags {@code costCategory/<name>} (AWS's prefix for them in its tags map) whatever the
     * report's shape: CUR 2.0's {@code cost_category} map, legacy CSV's {@code costCategory/<name>} columns, legacy
     * Parquet's {@code cost_category_<name>} columns. A category with no value for the row is no tag, as a
     * resource tag with no value is none.
     */
    @Test
    void costCategoriesAreTagsInEveryShapeOfTheReport() throws Exception {
        d.run("CREATE OR REPLACE TABLE legacy_cc AS SELECT *,"
                + " CASE WHEN \"identity/LineItemId\" = 'usage-od' THEN 'engineering' END AS \"costCategory/team-cost\","
                + " '' AS \"costCategory/env\" FROM legacy");
        Convert.into(d, "aws-cur", "legacy_cc", "f_legacy_cc");
        assertThat(tags("f_legacy_cc", "i-0abc1234"))
                .as("legacy CSV")
                .isEqualTo("{\"costCategory/team-cost\":\"engineering\",\"user:team\":\"web\","
                        + "\"aws:createdBy\":\"IAMUser:AIDA:alice\"}");

        String f = legacyParquet(
                "legacy_parquet_cc",
                "coalesce(resource_tags['user_team'], '') AS resource_tags_user_team,"
                        + " cost_category['team-cost'] AS cost_category_team_cost, '' AS cost_category_env");
        assertThat(tags(f, "i-0abc1234"))
                .as("legacy Parquet")
                .isEqualTo("{\"costCategory/team_cost\":\"engineering\",\"user_team\":\"web\"}");

        d.run(
                "CREATE OR REPLACE TABLE cur2_cc AS SELECT * REPLACE (MAP {'team-cost': 'engineering', 'env': ''} AS cost_category)"
                        + " FROM (" + TO_CUR2 + ")");
        Convert.into(d, "aws-cur2", "cur2_cc", "f_cur2_cc");
        assertThat(tags("f_cur2_cc", "i-0abc1234"))
                .as("CUR 2.0")
                .isEqualTo("{\"costCategory/team-cost\":\"engineering\",\"user_team\":\"web\","
                        + "\"aws_created_by\":\"IAMUser:AIDA:alice\"}");
    }

    /**
     * The CUR 2.0 rows as legacy CUR delivered as Parquet: no maps, {@code columns} (a tag or cost category each)
     * instead; converted into {@code f_<name>}, whose name it returns.
     */
    private static String legacyParquet(String name, String columns) throws Exception {
        Path parquet = dir.resolve(name + ".parquet");
        d.run("COPY (SELECT * EXCLUDE (resource_tags, cost_category), " + columns + " FROM (" + TO_CUR2 + ")) TO '"
                + parquet + "' (FORMAT parquet)");
        d.load(name, "read_parquet('" + parquet + "')");
        Convert.into(d, "aws-cur2", name, "f_" + name);
        return "f_" + name;
    }

    private static Object tags(String table, String resourceId) throws Exception {
        return d.value("SELECT Tags::VARCHAR FROM " + table + " WHERE ResourceId = '" + resourceId + "'");
    }

    @Test
    void billedCostIsTheSumOfUnblendedCost() throws Exception {
        assertThat((BigDecimal) d.value("SELECT sum(BilledCost) FROM f_cur2")).isEqualByComparingTo("906.7000002839");
    }
}
