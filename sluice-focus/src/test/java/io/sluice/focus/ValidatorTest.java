package io.sluice.focus;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.focus.mapping.MappingLoader;
import io.sluice.focus.validate.Dataset;
import io.sluice.focus.validate.FocusValidator;
import io.sluice.focus.validate.ModelRule;
import io.sluice.focus.validate.PlannedRule;
import io.sluice.focus.validate.Report;
import io.sluice.focus.validate.RuleResult;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The validator, derived from the FOCUS requirements model, on our output and on public data with known defects. */
class ValidatorTest {
    private static final FocusValidator VALIDATOR = new FocusValidator("1.2");
    private static Duck d;

    @BeforeAll
    static void open() throws Exception {
        d = new Duck();
    }

    @AfterAll
    static void close() throws Exception {
        d.close();
    }

    private static Report file(String resource) throws Exception {
        Path f = Convert.resource(resource);
        Dataset.load(d.c, "dataset", List.of(f));
        return VALIDATOR.validate(
                d.c, "dataset", List.of(f.getFileName().toString()), null, Dataset.notes(d.c, List.of(f)));
    }

    private static List<String> errorIds(Report r) {
        return r.errors().stream().map(e -> e.rule().id()).toList();
    }

    @Test
    void everyStaticRuleOfTheModelIsPlannedAndNoneIsHandPicked() {
        List<PlannedRule> plan = VALIDATOR.plan();
        assertThat(plan)
                .extracting(p -> p.rule().id())
                .doesNotHaveDuplicates()
                .contains(
                        "BilledCost-C-003-M",
                        "ChargeCategory-C-003-M",
                        "ServiceSubcategory-C-004-M",
                        "CostAndUsage-D-006-M",
                        "InvoiceId-C-003-C",
                        "SkuPriceId-C-008-M");
        assertThat(plan)
                .as("grouping composites are expanded, not reported")
                .noneMatch(p -> p.rule().id().equals("BilledCost-C-000-M")
                        || p.rule().id().equals("CostAndUsage-D-000-M"));
        assertThat(plan)
                .filteredOn(p -> p.rule().severity() == ModelRule.Severity.ERROR
                        && !p.rule().dynamic())
                .hasSizeGreaterThan(250);
    }

    @Test
    void ourAwsOutputConforms() throws Exception {
        for (String input : List.of("aws-cur/line-types.csv", "public/aws-cur-anonymized-1281rows.csv")) {
            d.csv("cur", Convert.resource(input));
            Convert.into(d, "aws-cur", "cur", "focus");
            Report inferred = VALIDATOR.validate(d.c, "focus", List.of(input), null, List.of());
            assertThat(errorIds(inferred)).as(inferred.render()).isEmpty();
            assertThat(inferred.warnings()).as(inferred.render()).isEmpty();
            Set<String> declared =
                    new HashSet<>(MappingLoader.builtin("aws-cur", "1.2").applicability());
            Report asserted = VALIDATOR.validate(d.c, "focus", List.of(input), declared, List.of());
            assertThat(errorIds(asserted)).as(asserted.render()).isEmpty();
            assertThat(asserted.with(RuleResult.Status.PASS)).hasSizeGreaterThan(200);
        }
    }

    @Test
    void catchesTheKnownDefectsOfTheFocusSampleData() throws Exception {
        Report r = file("public/focus-sample-1000rows.csv");
        assertThat(r.failed()).isTrue();
        assertThat(errorIds(r))
                .contains(
                        "ChargePeriodStart-C-002-M", // "2024-09-18 22:00:00": no T, no Z
                        "BillingPeriodEnd-C-002-M",
                        "ChargeFrequency-C-003-M", // Oracle rows: "Usage-based"
                        "PricingCategory-C-004-C", // Oracle rows: empty PricingCategory on usage
                        "ColumnHandling-A-010-M", // the extra column Id
                        "ServiceName-C-005-C", // one ServiceName, two ServiceCategory values
                        "ListCost-C-009-C"); // ListUnitPrice x PricingQuantity is not ListCost
        RuleResult frequency = r.result("ChargeFrequency-C-003-M");
        assertThat(frequency.failing()).isEqualTo(7);
        assertThat(frequency.samples())
                .first()
                .asString()
                .contains("focus-sample-1000rows.csv:")
                .contains("\"Usage-based\"");
        assertThat(r.result("ColumnHandling-A-010-M").samples()).containsExactly("columns neither FOCUS nor x_: [Id]");
        assertThat(r.notes()).singleElement().asString().contains("NULL");
        assertThat(r.render())
                .contains("FAIL ChargeFrequency-C-003-M (MUST) ChargeFrequency MUST be one of the allowed values.")
                .contains("[dynamic: needs facts beyond the dataset")
                .contains("PASS ")
                .contains("NOT CONFORMANT");
    }

    @Test
    void failsTheValidatorsFailingFixtures() throws Exception {
        assertThat(errorIds(file("public/focus-validator/all_fail.csv")))
                .contains("CostAndUsage-D-006-M", "CostAndUsage-D-008-M", "CostAndUsage-D-038-M");
        assertThat(errorIds(file("public/focus-validator/fail_charge_type_bad_value.csv")))
                .contains("ColumnHandling-A-010-M", "CostAndUsage-D-008-M");
        assertThat(errorIds(file("public/focus-validator/multiple_failure_examples.csv")))
                .contains("ColumnHandling-A-010-M", "CostAndUsage-D-023-M");
        assertThat(errorIds(file("public/focus-validator/fail_invoice_issuer.csv")))
                .contains("ColumnHandling-A-010-M", "CostAndUsage-D-026-M");
        Report billed = file("public/focus-validator/billedCostTest.csv");
        assertThat(billed.result("ColumnHandling-A-010-M").samples())
                .singleElement()
                .asString()
                .as("header names with a leading space are not FOCUS columns")
                .contains(" ProviderName");
        assertThat(errorIds(file("public/focus-validator/sample.parquet"))).contains("ColumnHandling-A-010-M");
        assertThat(file("public/focus-validator/all_pass_0.5.csv").failed())
                .as("a FOCUS 0.5 file is not FOCUS 1.2")
                .isTrue();
    }

    @Test
    void theSpecsWorkedExamplesBreakOnlyWhatTheyGetWrong() throws Exception {
        // partial datasets: presence rules fail; row rules pass except where an example is itself wrong
        for (String name : List.of(
                "commitment_discount_usage_scenario_3.csv",
                "commitment_discount_usage_scenario_4.csv",
                "commitment_discount_purchase_scenario_1.csv",
                "one_hundred_percent_utilization_without_commitment_discount_flexibility.csv")) {
            Report r = file("public/focus-spec-examples/" + name);
            assertThat(errorIds(r).stream()
                            .filter(id -> !id.startsWith("CostAndUsage-D") && !id.equals("ColumnHandling-A-010-M")))
                    .as(name + "\n" + r.render())
                    .isEmpty();
        }
        Report scenario2 = file("public/focus-spec-examples/commitment_discount_purchase_scenario_2.csv");
        assertThat(scenario2.result("ChargePeriodEnd-C-001-M").samples())
                .singleElement()
                .asString()
                .as("hour 30 is no time")
                .contains("2023-02-01T30:00:00Z");
        Report unused =
                file("public/focus-spec-examples/zero_percent_utilization_without_commitment_discount_flexibility.csv");
        assertThat(errorIds(unused))
                .as("its Unused row carries a ConsumedQuantity")
                .contains("ConsumedQuantity-C-004-C");
    }

    @Test
    void correctedRulesSayWhy() {
        PlannedRule status = VALIDATOR.plan().stream()
                .filter(p -> p.rule().id().equals("CommitmentDiscountStatus-C-005-M"))
                .findFirst()
                .orElseThrow();
        assertThat(status.rule().erratum()).contains("Used and Unused");
        assertThat(status.requirement().toString())
                .contains("Used")
                .contains("Unused")
                .doesNotContain("Active");
        PlannedRule marketplace = VALIDATOR.plan().stream()
                .filter(p -> p.rule().id().equals("BilledCost-C-005-C"))
                .findFirst()
                .orElseThrow();
        assertThat(marketplace.rule().dynamic()).isTrue();
    }
}
