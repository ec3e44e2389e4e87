package io.sluice.focus;

import static io.sluice.focus.Convert.dec;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Google Cloud's detailed billing export (BigQuery JSON export shape, nested records and lists) to FOCUS. No
 * public export exists, so {@code gcp/export.jsonl} was written by hand after the BigQuery schema; the expected
 * values below follow from it.
 */
class GcpConversionTest {
    private static Duck d;

    @BeforeAll
    static void convert() throws Exception {
        d = new Duck();
        d.jsonl("export", Convert.resource("gcp/export.jsonl"));
        Convert.into(d, "gcp", "export", "focus");
    }

    @AfterAll
    static void close() throws Exception {
        d.close();
    }

    @Test
    void usageNetOfItsSustainedUseCredit() throws Exception {
        Map<String, Object> r = Convert.rowWhere(d, "focus", "ResourceName = 'vm-1' AND x_InvoiceMonth = '202401'");
        assertThat(r)
                .as("cost 10 + credit -1.5")
                .containsEntry("BilledCost", dec("8.5"))
                .containsEntry("EffectiveCost", dec("8.5"))
                .containsEntry("ListCost", dec("12"))
                .containsEntry("ListUnitPrice", dec("1.2"))
                .containsEntry("ContractedCost", dec("10"))
                .containsEntry("ContractedUnitPrice", dec("1"))
                .containsEntry("PricingQuantity", dec("10"))
                .containsEntry("PricingUnit", "hour")
                .containsEntry("ConsumedQuantity", dec("36000"))
                .containsEntry("ConsumedUnit", "seconds")
                .containsEntry("ChargeCategory", "Usage")
                .containsEntry("PricingCategory", "Standard")
                .containsEntry("ServiceName", "Compute Engine")
                .containsEntry("ServiceCategory", "Compute")
                .containsEntry("SubAccountId", "proj-a")
                .containsEntry("SubAccountName", "Project A")
                .containsEntry("RegionId", "us-central1")
                .containsEntry("RegionName", "Iowa")
                .containsEntry("AvailabilityZone", "us-central1-a")
                .containsEntry("ResourceType", "instances")
                .containsEntry("SkuPriceId", "2E27-4F75-95CD/0")
                .containsEntry("x_CreditAmount", dec("-1.5"));
        assertThat(r.get("BillingPeriodStart"))
                .as("January, Pacific time")
                .isEqualTo(OffsetDateTime.parse("2024-01-01T08:00:00Z"));
        assertThat(r.get("BillingPeriodEnd")).as("exclusive").isEqualTo(OffsetDateTime.parse("2024-02-01T08:00:00Z"));
        assertThat(d.value("SELECT Tags::VARCHAR FROM focus WHERE ResourceName = 'vm-1' AND x_InvoiceMonth = '202401'"))
                .isEqualTo("{\"project/env\":\"prod\",\"compute.googleapis.com/machine_spec\":\"n1-standard-4\","
                        + "\"123456789012/cost-center\":\"cc-1\",\"team\":\"web\"}");
        assertThat(
                        d.value(
                                "SELECT SkuPriceDetails::VARCHAR FROM focus WHERE ResourceName = 'vm-1' AND x_InvoiceMonth = '202401'"))
                .isEqualTo("{\"InstanceType\":\"n1-standard-4\"}");
    }

    /**
     * Google prices some SKUs per many units: {@code price.effective_price} is the price of
     * {@code price.pricing_unit_quantity} units (Cloud Functions: 0.40 per 1,000,000 invocations), while
     * {@code usage.amount_in_pricing_units} counts single units. FOCUS's ContractedUnitPrice is the price of one
     * pricing unit, and times PricingQuantity it is ContractedCost.
     */
    @Test
    void aPriceForManyUnitsIsDividedIntoAPricePerUnit() throws Exception {
        d.run("""
                CREATE OR REPLACE TABLE per_million AS SELECT * REPLACE (
                  {'effective_price': 0.4, 'tier_start_amount': 2000000, 'unit': 'count', 'pricing_unit_quantity': 1000000} AS price,
                  {'amount': 2500000, 'unit': 'requests', 'amount_in_pricing_units': 2500000, 'pricing_unit': 'count'} AS usage,
                  1.0 AS cost, 1.0 AS cost_at_list)
                FROM export WHERE resource.name = 'vm-1' AND invoice.month = '202401'""");
        Convert.into(d, "gcp", "per_million", "focus_per_million");
        assertThat(Convert.rowWhere(d, "focus_per_million", "true"))
                .containsEntry("PricingQuantity", dec("2500000"))
                .containsEntry("ContractedUnitPrice", dec("0.0000004"))
                .as("0.40 per million x 2.5 million: the cost Google charged")
                .containsEntry("ContractedCost", dec("1"))
                .containsEntry("ListUnitPrice", dec("0.0000004"))
                .containsEntry("ListCost", dec("1"));
    }

    /**
     * Exports before April 2023 have no {@code price} (nor, before June 2023, {@code cost_at_list}). FOCUS wants a
     * unit price on every usage row, and price x quantity = cost: the price the cost implies, not 0.
     */
    @Test
    void withoutAPriceTheUnitPricesAreTheOnesTheCostImplies() throws Exception {
        d.run("""
                CREATE OR REPLACE TABLE no_price AS SELECT * REPLACE (NULL AS price, NULL AS cost_at_list)
                FROM export WHERE resource.name = 'vm-1' AND invoice.month = '202401'""");
        Convert.into(d, "gcp", "no_price", "focus_no_price");
        assertThat(Convert.rowWhere(d, "focus_no_price", "true"))
                .as("cost 10 for 10 hours")
                .containsEntry("PricingQuantity", dec("10"))
                .containsEntry("ContractedUnitPrice", dec("1"))
                .containsEntry("ContractedCost", dec("10"))
                .containsEntry("ListUnitPrice", dec("1"))
                .containsEntry("ListCost", dec("10"));
    }

    @Test
    void committedUseDiscounts() throws Exception {
        Map<String, Object> resource = Convert.row(d, "focus", "ResourceName", "vm-2");
        assertThat(resource)
                .containsEntry("BilledCost", dec("1"))
                .containsEntry("PricingCategory", "Committed")
                .containsEntry("CommitmentDiscountId", "projects/proj-a/regions/us-central1/commitments/commit-1")
                .containsEntry("CommitmentDiscountCategory", "Usage")
                .containsEntry("CommitmentDiscountStatus", "Used")
                .containsEntry("CommitmentDiscountName", "Commitment v1: CPU in us-central1 for 1 year")
                .containsEntry("CommitmentDiscountQuantity", dec("10"))
                .containsEntry("CommitmentDiscountUnit", "hour");
        Map<String, Object> spend = Convert.row(d, "focus", "ServiceName", "BigQuery");
        assertThat(spend)
                .containsEntry("BilledCost", dec("15"))
                .containsEntry("CommitmentDiscountCategory", "Spend")
                .containsEntry("CommitmentDiscountQuantity", dec("5"))
                .containsEntry("CommitmentDiscountUnit", "USD")
                .as("a multi-region is no region")
                .containsEntry("RegionId", null)
                .containsEntry("x_Location", "US");
        Map<String, Object> fee = Convert.row(d, "focus", "SkuId", "COMMIT-CPU-1Y");
        assertThat(fee)
                .containsEntry("ChargeFrequency", "Recurring")
                .containsEntry("PricingCategory", "Committed")
                .containsEntry("BilledCost", dec("4"));
    }

    @Test
    void taxAdjustmentsFreeTierAndMarketplace() throws Exception {
        assertThat(Convert.row(d, "focus", "x_CostType", "tax"))
                .containsEntry("ChargeCategory", "Tax")
                .containsEntry("BilledCost", dec("3.2"))
                .containsEntry("PricingQuantity", null)
                .containsEntry("SkuId", null);
        Map<String, Object> adjustment = Convert.row(d, "focus", "x_CostType", "adjustment");
        assertThat(adjustment)
                .containsEntry("ChargeCategory", "Adjustment")
                .containsEntry("ChargeClass", "Correction")
                .containsEntry("BilledCost", dec("-2"));
        assertThat(adjustment.get("ChargePeriodStart")).isEqualTo(OffsetDateTime.parse("2023-12-10T00:00:00Z"));
        assertThat(Convert.row(d, "focus", "ResourceName", "bucket-1"))
                .as("free tier: nothing billed")
                .containsEntry("BilledCost", dec("0"))
                .containsEntry("ServiceSubcategory", "Object Storage")
                .containsEntry("ResourceType", "buckets");
        assertThat(Convert.row(d, "focus", "SkuId", "MKT-1"))
                .containsEntry("PublisherName", "Acme Inc")
                .containsEntry("ServiceProviderName", "Acme Inc")
                .containsEntry("ProviderName", "Google Cloud")
                .containsEntry("HostProviderName", "Google Cloud");
    }

    @Test
    void billedCostPerInvoiceMonthIsCostPlusCredits() throws Exception {
        for (String month : new String[] {"202401", "202402"}) {
            BigDecimal billed =
                    (BigDecimal) d.value("SELECT sum(BilledCost) FROM focus WHERE x_InvoiceMonth = '" + month + "'");
            BigDecimal invoice = (BigDecimal) d.value("""
                    SELECT sum(cost::VARCHAR::DECIMAL(38,12)) + coalesce(sum((SELECT sum(c.amount::VARCHAR::DECIMAL(38,12)) FROM unnest(credits) AS t(c))), 0)
                    FROM export WHERE invoice.month = '%s'""".formatted(month));
            assertThat(billed).as(month).isEqualByComparingTo(invoice);
        }
        assertThat((BigDecimal) d.value("SELECT sum(BilledCost) FROM focus")).isEqualByComparingTo("120.7");
    }
}
