package io.sluice.focus;

import static io.sluice.focus.Convert.dec;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** OCI cost reports to FOCUS: the FinOps converter's public 506-row report, and a correction made by hand. */
class OciConversionTest {
    private static Duck d;

    @BeforeAll
    static void convert() throws Exception {
        d = new Duck();
        d.csv("report", Convert.resource("public/oci-cost-report-506rows.csv"));
        d.csv("corrected", Convert.resource("oci/correction.csv"));
        Convert.into(d, "oci", "report", "f_report");
        Convert.into(d, "oci", "corrected", "f_corrected");
    }

    @AfterAll
    static void close() throws Exception {
        d.close();
    }

    @Test
    void aDatabaseHour() throws Exception {
        Map<String, Object> r = Convert.row(d, "f_report", "x_ReferenceNumber", "7108a1f83bdbad70487bf0cf99cbe260");
        assertThat(r)
                .as("cost/myCost 0.012264277499950943, to 12 places")
                .containsEntry("BilledCost", dec("0.012264277500"))
                .containsEntry("EffectiveCost", dec("0.012264277500"))
                .containsEntry("ListCost", dec("0.012264277500"))
                .as("0.14717133 x 0.083333333333")
                .containsEntry("ContractedCost", dec("0.012264277500"))
                .containsEntry("ContractedUnitPrice", dec("0.14717133"))
                .containsEntry("PricingQuantity", dec("0.083333333333"))
                .containsEntry("PricingUnit", "Hours")
                .containsEntry("ConsumedQuantity", dec("0.083333333333"))
                .containsEntry("ConsumedUnit", "Hours")
                .containsEntry("ChargeCategory", "Usage")
                .containsEntry("ChargeClass", null)
                .containsEntry("ChargeFrequency", "Usage-Based")
                .containsEntry("PricingCategory", "Standard")
                .containsEntry("ServiceName", "DATABASE")
                .containsEntry("ServiceCategory", "Databases")
                .containsEntry("ServiceSubcategory", "Relational Databases")
                .containsEntry("SkuId", "B92911")
                .containsEntry("SkuPriceId", "B92911")
                .containsEntry("SkuMeter", "Oracle APEX Application Development")
                .containsEntry("RegionId", "us-sanjose-1")
                .containsEntry("RegionName", "US West (San Jose)")
                .containsEntry("AvailabilityZone", "sj-1")
                .containsEntry("ResourceType", "autonomousdatabase")
                .containsEntry("SubAccountName", "platformpm2022")
                .containsEntry("SubAccountType", "Compartment")
                .containsEntry("ProviderName", "Oracle")
                .containsEntry("InvoiceIssuerName", "Oracle")
                .containsEntry(
                        "BillingAccountId",
                        "ocid1.organizationssubscription.oc1.us-sanjose-1.amaaaaaa33abj3qa7lv6zso4gq45je75qdvql5fmgrmzlic6nbtm33hlbt5q");
        assertThat(r.get("ChargePeriodStart"))
                .as("minute precision: 2023-11-13T10:00Z")
                .isEqualTo(OffsetDateTime.parse("2023-11-13T10:00:00Z"));
        assertThat(r.get("ChargePeriodEnd")).isEqualTo(OffsetDateTime.parse("2023-11-13T11:00:00Z"));
        assertThat(r.get("BillingPeriodStart")).isEqualTo(OffsetDateTime.parse("2023-11-01T00:00:00Z"));
        assertThat(r.get("BillingPeriodEnd")).isEqualTo(OffsetDateTime.parse("2023-12-01T00:00:00Z"));
        assertThat(
                        d.value(
                                "SELECT Tags::VARCHAR FROM f_report WHERE x_ReferenceNumber = '7108a1f83bdbad70487bf0cf99cbe260'"))
                .asString()
                .contains("\"Oracle-Tags.CreatedBy\":\"default/phil.newman@oracle.com\"")
                .contains("\"OracleInternalReserved.CostCenter\":\"607825\"");
    }

    @Test
    void aNonOcidResourceIsTypedByItsService() throws Exception {
        Map<String, Object> r = Convert.row(d, "f_report", "x_ReferenceNumber", "0d26fa6b3ef1926a464ad9c24e1586d8");
        assertThat(r)
                .containsEntry("ResourceId", "oci_compute_infrastructure_health")
                .containsEntry("ResourceType", "telemetry")
                .containsEntry("PricingUnit", "Million Datapoints")
                .containsEntry("AvailabilityZone", null)
                .containsEntry("ServiceCategory", "Management and Governance");
    }

    @Test
    void correctionsAreCorrections() throws Exception {
        Map<String, Object> c = Convert.row(d, "f_corrected", "x_ReferenceNumber", "c0ffee00c0ffee00c0ffee00c0ffee00");
        assertThat(c)
                .containsEntry("ChargeClass", "Correction")
                .containsEntry("ChargeCategory", "Usage")
                .containsEntry("BilledCost", dec("-0.012264277500"))
                .containsEntry("x_BackReferenceNumber", "7108a1f83bdbad70487bf0cf99cbe260");
        assertThat((BigDecimal) d.value("SELECT sum(BilledCost) FROM f_corrected"))
                .isEqualByComparingTo("0");
    }

    @Test
    void billedCostIsTheReportsTotal() throws Exception {
        BigDecimal billed = (BigDecimal) d.value("SELECT sum(BilledCost) FROM f_report");
        BigDecimal exact = (BigDecimal) d.value("SELECT sum(\"cost/myCost\"::DECIMAL(38,18)) FROM report");
        assertThat(billed.subtract(exact).abs())
                .as("to the cent (12 places kept)")
                .isLessThan(new BigDecimal("0.000001"));
        assertThat(d.value("SELECT count(*) FROM f_report")).isEqualTo(506L);
    }
}
