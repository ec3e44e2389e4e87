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
 * Azure cost details to FOCUS, on Microsoft's own EA test files (actual and amortized, portal column names) and
 * the FinOps converter's EA Exports sample (Exports column names, braceless tags). Expected values worked out by
 * hand from the rows and Microsoft's conversion guide.
 */
class AzureConversionTest {
    private static Duck d;

    @BeforeAll
    static void convert() throws Exception {
        d = new Duck();
        d.csv("actual", Convert.resource("public/azure/ea-actual-cost-small.csv"));
        d.csv("amortized", Convert.resource("public/azure/ea-amortized-cost-small.csv"));
        d.csv("exports", Convert.resource("public/azure/ea-export-anonymized-27rows.csv"));
        Convert.into(d, "azure", "actual", "f_actual");
        Convert.into(d, "azure", "amortized", "f_amortized");
        Convert.into(d, "azure", "exports", "f_exports");
    }

    @AfterAll
    static void close() throws Exception {
        d.close();
    }

    @Test
    void reservationPurchaseFromTheActualExport() throws Exception {
        Map<String, Object> r = Convert.row(d, "f_actual", "x_ChargeType", "Purchase");
        assertThat(r)
                .containsEntry("ChargeCategory", "Purchase")
                .containsEntry("ChargeFrequency", "Recurring")
                .containsEntry("BilledCost", dec("3.25"))
                .as("spread over the usage it covers")
                .containsEntry("EffectiveCost", dec("0"))
                .containsEntry("PricingCategory", "Standard")
                .containsEntry("CommitmentDiscountCategory", "Usage")
                .containsEntry("CommitmentDiscountType", "Reservation")
                .containsEntry("CommitmentDiscountStatus", null)
                .containsEntry(
                        "CommitmentDiscountId",
                        "/providers/Microsoft.Capacity/reservationOrders/49ed0e4d-8e0c-4f1f-af2c-67c865056615/reservations/")
                .containsEntry("CommitmentDiscountName", "VM_RI_06-21-2023_18-56")
                .containsEntry("CommitmentDiscountQuantity", dec("1"))
                .containsEntry("CommitmentDiscountUnit", "Hours")
                .as("no PayGPrice: lists at its price")
                .containsEntry("ListUnitPrice", dec("3.25"))
                .containsEntry("ListCost", dec("3.25"))
                .containsEntry("ConsumedQuantity", null)
                .containsEntry("BillingAccountId", "8611537")
                .containsEntry("BillingAccountType", "Billing Account")
                .containsEntry("BillingCurrency", "USD");
        assertThat(r.get("ChargePeriodStart")).isEqualTo(OffsetDateTime.parse("2023-09-21T00:00:00Z"));
        assertThat(r.get("ChargePeriodEnd"))
                .as("daily rows end the next day")
                .isEqualTo(OffsetDateTime.parse("2023-09-22T00:00:00Z"));
        assertThat(r.get("BillingPeriodStart"))
                .as("09/01/2023 is September 1st")
                .isEqualTo(OffsetDateTime.parse("2023-09-01T00:00:00Z"));
        assertThat(r.get("BillingPeriodEnd"))
                .as("09/30/2023 + 1 day")
                .isEqualTo(OffsetDateTime.parse("2023-10-01T00:00:00Z"));
    }

    @Test
    void reservationCoveredUsageFromTheAmortizedExport() throws Exception {
        Map<String, Object> r = Convert.row(d, "f_amortized", "x_PricingModel", "Reservation");
        assertThat(r)
                .containsEntry("ChargeCategory", "Usage")
                .containsEntry("PricingCategory", "Committed")
                .containsEntry("BilledCost", dec("0"))
                .containsEntry("EffectiveCost", dec("0.493152"))
                .containsEntry("CommitmentDiscountStatus", "Used")
                .containsEntry("CommitmentDiscountName", "ProdDS1VMReservation")
                .containsEntry("CommitmentDiscountQuantity", dec("8"))
                .containsEntry("CommitmentDiscountUnit", "Hours")
                .containsEntry("ConsumedQuantity", dec("8"))
                .containsEntry("ConsumedUnit", "Hours")
                .containsEntry("PricingQuantity", dec("8"))
                .containsEntry("PricingUnit", "Hours")
                .containsEntry("ContractedUnitPrice", dec("0.146"))
                .containsEntry("ContractedCost", dec("1.168"))
                .containsEntry("RegionId", "eastus")
                .containsEntry("RegionName", "East US")
                .containsEntry("ServiceName", "Virtual Machine Scale Sets")
                .containsEntry("ServiceCategory", "Compute")
                .containsEntry("ServiceSubcategory", "Virtual Machines")
                .containsEntry("ResourceName", "aks-agentpool-42850074-vmss");
        assertThat(r.get("ChargePeriodStart")).isEqualTo(OffsetDateTime.parse("2023-09-22T00:00:00Z"));
    }

    @Test
    void savingsPlanCoveredUsageCountsMoney() throws Exception {
        Map<String, Object> r = Convert.row(d, "f_amortized", "x_PricingModel", "SavingsPlan");
        assertThat(r)
                .containsEntry("BilledCost", dec("0"))
                .containsEntry("EffectiveCost", dec("0.006000000468"))
                .containsEntry("CommitmentDiscountCategory", "Spend")
                .containsEntry("CommitmentDiscountType", "Savings Plan")
                .containsEntry("CommitmentDiscountStatus", "Used")
                .containsEntry("CommitmentDiscountQuantity", dec("0.006000000468"))
                .containsEntry("CommitmentDiscountUnit", "USD");
    }

    @Test
    void blockPricedUnits() throws Exception {
        Map<String, Object> r = Convert.row(d, "f_amortized", "SkuId", "82cd70ab-1aee-4b30-bc04-8b71e1204dbc");
        assertThat(r)
                .as("Quantity 0.1351 of \"10K\" at 0.0005 per 10K")
                .containsEntry("PricingQuantity", dec("0.1351"))
                .containsEntry("PricingUnit", "10000 Units")
                .containsEntry("ConsumedQuantity", dec("1351"))
                .containsEntry("ConsumedUnit", "Units")
                .containsEntry("ListCost", dec("0.00006755"))
                .containsEntry("BilledCost", dec("0.00006755"))
                .containsEntry("x_PricingUnitDescription", "10K");
    }

    @Test
    void capacityReservationsOwnRowIsItsUnusedPart() throws Exception {
        Map<String, Object> r =
                Convert.row(d, "f_amortized", "CapacityReservationId", "f8b42087-c198-4ad8-8515-fce989cc5fff");
        assertThat(r)
                .containsEntry("CapacityReservationStatus", "Unused")
                .containsEntry("BilledCost", dec("2.64"))
                .as("EA exports name the group")
                .containsEntry("ResourceName", "OnDemadCapRes_Test_USSouthCentralZonal");
    }

    @Test
    void exportsColumnNamesUsDatesAndBracelessTags() throws Exception {
        Map<String, Object> r = Convert.rowWhere(
                d, "f_exports", "SkuId = '59bc01e3-9d3e-4b9f-baef-35e696aad6c4' AND BilledCost = 0.000305367");
        assertThat(r)
                .containsEntry("BillingCurrency", "CAD")
                .containsEntry("BillingAccountId", "12345678")
                .containsEntry("BilledCost", dec("0.000305367"))
                .containsEntry("SubAccountName", "sub-example")
                .containsEntry("ChargeDescription", "Virtual Network Peering - Intra-Region Ingress")
                .containsEntry("PricingUnit", "GB")
                .containsEntry("ChargeFrequency", "Usage-Based");
        assertThat(r.get("ChargePeriodStart")).as("9/2/2023").isEqualTo(OffsetDateTime.parse("2023-09-02T00:00:00Z"));
        assertThat(
                        d.value(
                                "SELECT Tags::VARCHAR FROM f_exports WHERE SkuId = '59bc01e3-9d3e-4b9f-baef-35e696aad6c4' AND BilledCost = 0.000305367"))
                .isEqualTo("{\"tagA\":\"valueA\",\"tagB\":\"valueB\",\"tagC\":\"valueC\"}");
        assertThat(d.value("SELECT count(*) FROM f_exports WHERE PricingCategory = 'Dynamic'"))
                .as("Spot")
                .isEqualTo(3L);
    }

    @Test
    void billedCostTotalsAreTheInvoiceTotals() throws Exception {
        // the actual export is the invoice: every cost is billed
        assertThat((BigDecimal) d.value("SELECT sum(BilledCost) FROM f_actual"))
                .isEqualByComparingTo((BigDecimal) d.value("SELECT sum(Cost::DECIMAL(38,12)) FROM actual"));
        assertThat((BigDecimal) d.value("SELECT sum(BilledCost) FROM f_exports"))
                .isEqualByComparingTo(
                        (BigDecimal) d.value("SELECT sum(CostInBillingCurrency::DECIMAL(38,12)) FROM exports"));
        // the amortized export bills what is not a commitment's (the purchase is billed from the actual export)
        assertThat((BigDecimal) d.value("SELECT sum(BilledCost) FROM f_amortized"))
                .isEqualByComparingTo((BigDecimal)
                        d.value("SELECT sum(Cost::DECIMAL(38,12)) FROM amortized WHERE PricingModel = 'OnDemand'"));
        assertThat((BigDecimal) d.value("SELECT sum(EffectiveCost) FROM f_amortized"))
                .isEqualByComparingTo((BigDecimal) d.value("SELECT sum(Cost::DECIMAL(38,12)) FROM amortized"));
    }
}
