package io.sluice.focus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code sluice focus validate} and {@code sluice focus mapping}, run as the CLI runs them. */
class FocusCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = new CommandLine(new FocusCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(FocusCommandTest.class.getResource("/" + name).toURI());
    }

    private static final String CONFORMANT_HEADER = "AvailabilityZone,BilledCost,BillingAccountId,BillingAccountName,"
            + "BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargeClass,ChargeDescription,ChargeFrequency,"
            + "ChargePeriodEnd,ChargePeriodStart,ContractedCost,EffectiveCost,InvoiceIssuerName,ListCost,PricingQuantity,"
            + "PricingUnit,ProviderName,PublisherName,ServiceCategory,ServiceName,ServiceSubcategory";
    private static final String CONFORMANT_ROW =
            ",1.5,acct-1,Main,EUR,2024-02-01T00:00:00Z,2024-01-01T00:00:00Z,Usage,,"
                    + "VM hours,Usage-Based,2024-01-02T00:00:00Z,2024-01-01T00:00:00Z,1.5,1.5,Acme Cloud,1.5,3,Hours,Acme Cloud,"
                    + "Acme Cloud,Compute,Acme VMs,Virtual Machines";

    @Test
    void validateExitsOneWhenAMustRuleFailsAndPrintsTheFailuresAndASummary() throws Exception {
        int code = run("validate", resource("public/focus-sample-1000rows.csv").toString());
        assertThat(code).isEqualTo(1);
        assertThat(out.toString())
                .contains("FOCUS 1.2 validation of")
                .contains("FAIL ChargeFrequency-C-003-M (MUST) ChargeFrequency MUST be one of the allowed values.")
                .contains("7 row(s)")
                .contains("focus-sample-1000rows.csv:927")
                .doesNotContain("PASS ")
                .doesNotContain("[dynamic: needs facts beyond the dataset");
        assertThat(out.toString().strip().lines().toList().getLast())
                .matches("NOT CONFORMANT: \\d+ rule\\(s\\) checked, \\d+ passed, \\d+ failed \\(MUST\\), .*");
    }

    @Test
    void verboseListsEveryRule() throws Exception {
        assertThat(run(
                        "validate",
                        "--verbose",
                        resource("public/focus-sample-1000rows.csv").toString()))
                .isEqualTo(1);
        assertThat(out.toString())
                .contains("FAIL ChargeFrequency-C-003-M (MUST)")
                .contains("PASS BilledCost-C-001-M (MUST)")
                .contains("SKIP ")
                .contains("[dynamic: needs facts beyond the dataset")
                .contains("[MAY: a permission, nothing to check]")
                .contains("NOT CONFORMANT");
    }

    @Test
    void aMissingColumnIsReportedAsMissingNotAsRows() throws Exception {
        Path file = dir.resolve("no-billed-cost.csv");
        Files.writeString(
                file,
                CONFORMANT_HEADER.replace("BilledCost,", "") + "\n" + CONFORMANT_ROW.replaceFirst(",1.5", "") + "\n");
        assertThat(run("validate", "--applicability", "none", file.toString())).isEqualTo(1);
        java.util.List<String> lines = out.toString().lines().toList();
        int at = lines.indexOf("     missing column: the dataset has no column BilledCost");
        assertThat(at).as(out.toString()).isPositive();
        assertThat(lines.get(at - 1))
                .as("the failed rule, right above: no row count between")
                .startsWith("FAIL ");
    }

    @Test
    void jsonHasEveryRuleForScripts() throws Exception {
        Path file = dir.resolve("no-billed-cost.csv");
        Files.writeString(
                file,
                CONFORMANT_HEADER.replace("BilledCost,", "") + "\n" + CONFORMANT_ROW.replaceFirst(",1.5", "") + "\n");
        assertThat(run("validate", "--json", "--applicability", "none", file.toString()))
                .isEqualTo(1);
        JsonNode report = new ObjectMapper().readTree(out.toString());
        assertThat(report.get("conformant").asBoolean()).isFalse();
        assertThat(report.get("rows").asLong()).isEqualTo(1);
        assertThat(report.get("counts").get("failed").asLong()).isPositive();
        JsonNode present = null;
        for (JsonNode r : report.get("rules"))
            if (r.get("findings").toString().contains("no column BilledCost")) present = r;
        assertThat(present).isNotNull();
        assertThat(present.get("status").asText()).isEqualTo("fail");
        assertThat(present.get("failing_rows").isNull()).isTrue();
        assertThat(report.get("rules").size()).isGreaterThan(100);
    }

    @Test
    void validateExitsZeroForAConformantDatasetFoundInAFolder() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("focus/2024-01"));
        Files.writeString(folder.resolve("part-1.csv"), CONFORMANT_HEADER + "\n" + CONFORMANT_ROW + "\n");
        Files.createDirectories(dir.resolve("focus/_dead_letter"));
        Files.writeString(dir.resolve("focus/_dead_letter/bad.csv"), "not,focus\n1,2\n");
        int code =
                run("validate", "--applicability", "none", dir.resolve("focus").toString());
        assertThat(code).as(out.toString()).isZero();
        assertThat(out.toString())
                .contains("1 row(s)")
                .contains("(asserted): none")
                .contains("CONFORMANT");
    }

    @Test
    void anObjectStoreUrlIsRefusedSayingToCopyTheOutputHereFirst() {
        // a focus step's output is often in a bucket: the URL must come back whole, with what to do
        assertThat(run("validate", "s3://finops-lake/focus/")).isEqualTo(2);
        assertThat(err.toString())
                .contains("s3://finops-lake/focus/ is an object store URL")
                .contains("aws s3 sync s3://finops-lake/focus/ focus-copy/")
                .doesNotContain("s3:/finops-lake");
    }

    @Test
    void badArgumentsExitTwo() throws Exception {
        assertThat(run("validate", dir.resolve("missing.csv").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("no such file or folder");
        assertThat(run(
                        "validate",
                        "--applicability",
                        "LOTS_OF_CLOUDS",
                        resource("public/focus-sample-1000rows.csv").toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("unknown applicability criterion LOTS_OF_CLOUDS");
        assertThat(run(
                        "validate",
                        "--version",
                        "0.5",
                        resource("public/focus-sample-1000rows.csv").toString()))
                .isEqualTo(2);
    }

    @Test
    void mappingPrintsEveryColumnWithItsRule() {
        assertThat(run("mapping", "aws-cur")).isZero();
        assertThat(out.toString())
                .contains("FOCUS 1.2 mapping for aws-cur")
                .contains("Read from: mappings/aws-cur-1.2.yaml")
                .contains("  BilledCost (decimal)")
                .contains("CASE WHEN line_type = 'SavingsPlanCoveredUsage' THEN 0 ELSE \"lineItem/UnblendedCost\" END")
                .contains("in unused_commitment rows: 0")
                .contains("Input rows that produce no FOCUS row:")
                .contains("Not produced (this export has no data for them): BillingAccountType, CapacityReservationId");
        assertThat(run("mapping", "ibm")).isEqualTo(2);
    }

    @Test
    void mappingNamesTheTypesTheSameWayInATurkishLocale() {
        Locale before = Locale.getDefault();
        Locale.setDefault(Locale.forLanguageTag("tr-TR")); // where "DECIMAL".toLowerCase() is "decımal"
        try {
            assertThat(run("mapping", "aws-cur")).isZero();
        } finally {
            Locale.setDefault(before);
        }
        assertThat(out.toString()).contains("  BilledCost (decimal)").doesNotContain("ı");
    }
}
