package io.sluice.focus;

import static io.sluice.focus.Convert.dec;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Legacy CUR to FOCUS, row by row: {@code aws-cur/line-types.csv} has one hand-made row per line item type; the
 * expected FOCUS values below were worked out by hand from the spec and the CUR column meanings.
 */
class AwsCurConversionTest {
    private static Duck d;

    @BeforeAll
    static void convert() throws Exception {
        d = new Duck();
        d.csv("cur", Convert.resource("aws-cur/line-types.csv"));
        Convert.into(d, "aws-cur", "cur", "focus");
    }

    @AfterAll
    static void close() throws Exception {
        d.close();
    }

    private static Map<String, Object> line(String type) throws Exception {
        return Convert.row(d, "focus", "x_LineItemType", type);
    }

    @Test
    void onDemandUsage() throws Exception {
        Map<String, Object> r = Convert.row(d, "focus", "ResourceId", "i-0abc1234");
        assertThat(r)
                .containsEntry("BilledCost", dec("0.96"))
                .containsEntry("EffectiveCost", dec("0.96"))
                .containsEntry("ListCost", dec("0.96"))
                .containsEntry("ListUnitPrice", dec("0.096"))
                .containsEntry("ContractedCost", dec("0.96"))
                .containsEntry("ContractedUnitPrice", dec("0.096"))
                .containsEntry("PricingQuantity", dec("10"))
                .containsEntry("PricingUnit", "Hours")
                .containsEntry("ConsumedQuantity", dec("10"))
                .containsEntry("ConsumedUnit", "Hours")
                .containsEntry("ChargeCategory", "Usage")
                .containsEntry("ChargeFrequency", "Usage-Based")
                .containsEntry("PricingCategory", "Standard")
                .containsEntry("ChargeClass", null)
                .containsEntry("BillingAccountId", "012345678901")
                .containsEntry("SubAccountId", "000011112222")
                .containsEntry("BillingCurrency", "USD")
                .containsEntry("InvoiceId", "INV-2023-11")
                .containsEntry("RegionId", "us-east-1")
                .containsEntry("RegionName", "US East (N. Virginia)")
                .containsEntry("AvailabilityZone", "us-east-1a")
                .containsEntry("ServiceName", "Amazon Elastic Compute Cloud")
                .containsEntry("ServiceCategory", "Compute")
                .containsEntry("ServiceSubcategory", "Virtual Machines")
                .containsEntry("SkuId", "SKU111")
                .containsEntry("SkuPriceId", "SKU111.JRTCKXETXF.6YS6EN2CT7")
                .containsEntry("SkuMeter", "USE1-BoxUsage:m5.large")
                .containsEntry("ResourceType", "AmazonEC2")
                .containsEntry("ProviderName", "AWS")
                .containsEntry("HostProviderName", "AWS")
                .containsEntry("PublisherName", "Amazon Web Services, Inc.")
                .containsEntry("ServiceProviderName", "Amazon Web Services, Inc.")
                .containsEntry("InvoiceIssuerName", "Amazon Web Services, Inc.")
                .containsEntry("CommitmentDiscountId", null)
                .containsEntry("CommitmentDiscountStatus", null)
                .containsEntry("x_UsageType", "USE1-BoxUsage:m5.large")
                .containsEntry("x_Operation", "RunInstances");
        assertThat(r.get("ChargePeriodStart")).isEqualTo(utc("2023-11-03T10:00:00Z"));
        assertThat(r.get("ChargePeriodEnd")).isEqualTo(utc("2023-11-03T11:00:00Z"));
        assertThat(r.get("BillingPeriodStart")).isEqualTo(utc("2023-11-01T00:00:00Z"));
        assertThat(r.get("BillingPeriodEnd")).as("exclusive end").isEqualTo(utc("2023-12-01T00:00:00Z"));
        assertThat(d.value("SELECT Tags::VARCHAR FROM focus WHERE ResourceId = 'i-0abc1234'"))
                .isEqualTo("{\"user:team\":\"web\",\"aws:createdBy\":\"IAMUser:AIDA:alice\"}");
    }

    @Test
    void spotUsageIsDynamicAndListsAtTheOnDemandRate() throws Exception {
        Map<String, Object> r = Convert.row(d, "focus", "ResourceId", "i-0spot999");
        assertThat(r)
                .containsEntry("PricingCategory", "Dynamic")
                .containsEntry("BilledCost", dec("0.07"))
                .containsEntry("ListCost", dec("0.192"))
                .containsEntry("ContractedUnitPrice", dec("0.035"))
                .containsEntry("ContractedCost", dec("0.07"));
    }

    @Test
    void reservedInstanceCoveredUsage() throws Exception {
        Map<String, Object> r = line("DiscountedUsage");
        assertThat(r)
                .containsEntry("ChargeCategory", "Usage")
                .containsEntry("PricingCategory", "Committed")
                .containsEntry("BilledCost", dec("0"))
                .containsEntry("EffectiveCost", dec("1.44"))
                .containsEntry("ListCost", dec("2.304"))
                .containsEntry("ContractedUnitPrice", dec("0.096"))
                .containsEntry("CommitmentDiscountId", "arn:aws:ec2:us-east-1:012345678901:reserved-instances/ri-0001")
                .containsEntry("CommitmentDiscountStatus", "Used")
                .containsEntry("CommitmentDiscountCategory", "Usage")
                .containsEntry("CommitmentDiscountType", "Reserved Instance")
                .containsEntry("CommitmentDiscountQuantity", dec("24"))
                .containsEntry("CommitmentDiscountUnit", "Hours")
                .containsEntry("ResourceId", "i-0ri00001");
    }

    @Test
    void reservedInstanceFeeIsAPurchaseAndItsUnusedPartAUsageRow() throws Exception {
        List<Map<String, Object>> rows =
                d.rows("SELECT * FROM focus WHERE x_LineItemType = 'RIFee' ORDER BY ChargeCategory");
        assertThat(rows).hasSize(2);
        Map<String, Object> fee = rows.get(0);
        assertThat(fee)
                .containsEntry("ChargeCategory", "Purchase")
                .containsEntry("ChargeFrequency", "Recurring")
                .containsEntry("BilledCost", dec("43.2"))
                .containsEntry("EffectiveCost", dec("0"))
                .containsEntry("PricingCategory", "Standard")
                .containsEntry("CommitmentDiscountStatus", null)
                .containsEntry("CommitmentDiscountQuantity", dec("720"))
                .containsEntry("ListCost", dec("43.2"));
        Map<String, Object> unused = rows.get(1);
        String ri = "arn:aws:ec2:us-east-1:012345678901:reserved-instances/ri-0001";
        assertThat(unused)
                .containsEntry("ChargeCategory", "Usage")
                .containsEntry("ChargeFrequency", "Usage-Based")
                .containsEntry("CommitmentDiscountStatus", "Unused")
                .containsEntry("PricingCategory", "Committed")
                .containsEntry("BilledCost", dec("0"))
                .as("unused upfront 2 + unused recurring 6")
                .containsEntry("EffectiveCost", dec("8"))
                .containsEntry("CommitmentDiscountId", ri)
                .containsEntry("ResourceId", ri)
                .containsEntry("CommitmentDiscountQuantity", dec("100"))
                .containsEntry("PricingQuantity", dec("100"))
                .containsEntry("ListUnitPrice", dec("0.08"))
                .containsEntry("ListCost", dec("8"))
                .containsEntry("ConsumedQuantity", null);
    }

    @Test
    void upfrontFeesArePurchasesWithNoEffectiveCost() throws Exception {
        assertThat(line("Fee"))
                .containsEntry("ChargeCategory", "Purchase")
                .containsEntry("ChargeFrequency", "One-Time")
                .containsEntry("BilledCost", dec("500"))
                .containsEntry("EffectiveCost", dec("0"))
                .containsEntry("CommitmentDiscountQuantity", dec("8760"));
        assertThat(line("SavingsPlanUpfrontFee"))
                .containsEntry("ChargeCategory", "Purchase")
                .containsEntry("ChargeFrequency", "One-Time")
                .containsEntry("BilledCost", dec("300"))
                .containsEntry("EffectiveCost", dec("0"))
                .containsEntry("CommitmentDiscountCategory", "Spend")
                .containsEntry("CommitmentDiscountQuantity", dec("300"))
                .containsEntry("CommitmentDiscountUnit", "USD");
    }

    @Test
    void savingsPlanCoveredUsageIsNettedAndItsNegationDropped() throws Exception {
        assertThat(line("SavingsPlanCoveredUsage"))
                .containsEntry("BilledCost", dec("0"))
                .containsEntry("EffectiveCost", dec("0.7"))
                .containsEntry("ListCost", dec("1"))
                .containsEntry("CommitmentDiscountStatus", "Used")
                .containsEntry("CommitmentDiscountCategory", "Spend")
                .containsEntry("CommitmentDiscountType", "Savings Plan")
                .containsEntry("PricingCategory", "Committed")
                .containsEntry("CommitmentDiscountQuantity", dec("0.7"))
                .containsEntry("CommitmentDiscountUnit", "USD");
        assertThat(d.value("SELECT count(*) FROM focus WHERE x_LineItemType = 'SavingsPlanNegation'"))
                .isEqualTo(0L);
    }

    @Test
    void savingsPlanRecurringFeeAndItsUnusedCommitment() throws Exception {
        List<Map<String, Object>> rows =
                d.rows("SELECT * FROM focus WHERE x_LineItemType = 'SavingsPlanRecurringFee' ORDER BY ChargeCategory");
        assertThat(rows.get(0))
                .containsEntry("ChargeCategory", "Purchase")
                .containsEntry("BilledCost", dec("72"))
                .containsEntry("EffectiveCost", dec("0"))
                .containsEntry("CommitmentDiscountQuantity", dec("72"));
        assertThat(rows.get(1))
                .containsEntry("ChargeCategory", "Usage")
                .containsEntry("CommitmentDiscountStatus", "Unused")
                .as("commitment 72 - used 60")
                .containsEntry("EffectiveCost", dec("12"))
                .containsEntry("PricingQuantity", dec("12"))
                .containsEntry("PricingUnit", "USD")
                .containsEntry("ListUnitPrice", dec("1"))
                .containsEntry("BilledCost", dec("0"));
    }

    @Test
    void taxCreditsDiscountsAndRefunds() throws Exception {
        assertThat(line("Tax"))
                .containsEntry("ChargeCategory", "Tax")
                .containsEntry("BilledCost", dec("5.25"))
                .containsEntry("PricingQuantity", null)
                .containsEntry("PricingUnit", null)
                .containsEntry("SkuId", null)
                .containsEntry("SkuPriceId", null)
                .containsEntry("ListUnitPrice", null)
                .containsEntry("PricingCategory", null)
                .containsEntry("ContractedUnitPrice", null)
                .containsEntry("ListCost", dec("5.25"));
        assertThat(line("Credit"))
                .containsEntry("ChargeCategory", "Credit")
                .containsEntry("BilledCost", dec("-10"))
                .containsEntry("EffectiveCost", dec("-10"))
                .containsEntry("ListCost", dec("-10"))
                .containsEntry("ContractedCost", dec("-10"));
        assertThat(line("EdpDiscount"))
                .containsEntry("ChargeCategory", "Credit")
                .containsEntry("BilledCost", dec("-1.23"));
        assertThat(line("BundledDiscount"))
                .containsEntry("ChargeCategory", "Credit")
                .as("global is no region")
                .containsEntry("RegionId", null)
                .containsEntry("RegionName", null)
                .containsEntry("ServiceCategory", "Networking")
                .containsEntry("ServiceSubcategory", "Network Connectivity");
        Map<String, Object> refund = line("Refund");
        assertThat(refund)
                .containsEntry("ChargeCategory", "Usage")
                .containsEntry("ChargeClass", "Correction")
                .containsEntry("BilledCost", dec("-3.5"))
                .containsEntry("ChargeFrequency", "One-Time");
        assertThat(refund.get("ChargePeriodStart")).isEqualTo(utc("2023-10-01T00:00:00Z"));
    }

    @Test
    void tinyS3AmountsStayExact() throws Exception {
        Map<String, Object> r = Convert.row(d, "focus", "ResourceId", "arn:aws:s3:::my-bucket");
        assertThat(r)
                .containsEntry("BilledCost", dec("0.0000002839"))
                .as("0.023 x 0.0000123456 = 0.0000002839488, to 12 places")
                .containsEntry("ListCost", dec("0.000000283949"))
                .containsEntry("PricingUnit", "GB-Months")
                .containsEntry("SkuPriceId", "1234567")
                .containsEntry("ResourceType", "AmazonS3")
                .containsEntry("RegionName", "Europe (Ireland)");
    }

    @Test
    void theSpecsTypes() throws Exception {
        Map<String, String> types = d.types("focus");
        assertThat(types)
                .containsEntry("BilledCost", "DECIMAL(38,12)")
                .containsEntry("PricingQuantity", "DECIMAL(38,12)")
                .containsEntry("ChargePeriodStart", "TIMESTAMP WITH TIME ZONE")
                .containsEntry("Tags", "JSON")
                .containsEntry("ChargeCategory", "VARCHAR");
        assertThat(types.keySet()).doesNotContain("BillingAccountType", "CapacityReservationId");
        assertThat(types.keySet().stream().filter(c -> !c.startsWith("x_")).toList())
                .as("FOCUS columns first, then x_ columns")
                .containsExactlyElementsOf(types.keySet().stream()
                        .takeWhile(c -> !c.startsWith("x_"))
                        .toList());
    }

    @Test
    void billedCostPerPeriodIsTheSumOfUnblendedCost() throws Exception {
        BigDecimal billed = (BigDecimal) d.value("SELECT sum(BilledCost) FROM focus");
        BigDecimal unblended =
                (BigDecimal) d.value("SELECT sum(\"lineItem/UnblendedCost\"::VARCHAR::DECIMAL(38,12)) FROM cur");
        assertThat(unblended).isEqualByComparingTo("906.7000002839");
        assertThat(billed).isEqualByComparingTo(unblended);
    }

    static OffsetDateTime utc(String s) {
        return OffsetDateTime.parse(s);
    }
}
