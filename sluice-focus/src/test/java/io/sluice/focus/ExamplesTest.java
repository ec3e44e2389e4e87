package io.sluice.focus;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.focus.validate.Dataset;
import io.sluice.focus.validate.FocusValidator;
import io.sluice.focus.validate.Report;
import io.sluice.runner.RunSummary;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The runnable examples, run as `sluice run` runs them: the output conforms, and its BilledCost per billing
 * period is the inputs' invoice total (AWS: UnblendedCost; Google: cost plus credits; Oracle: myCost).
 */
class ExamplesTest {
    @TempDir
    Path dir;

    private static final Map<String, String> INVOICE_TOTALS = Map.of(
            "focus-aws",
                    "SELECT \"bill/BillingPeriodStartDate\"::TIMESTAMPTZ AS period, sum(\"lineItem/UnblendedCost\"::DECIMAL(38,12)) AS total "
                            + "FROM read_csv('%s/**/*.csv.gz', all_varchar = true, union_by_name = true) GROUP BY ALL",
            "focus-aws-cur2",
                    "SELECT bill_billing_period_start_date::TIMESTAMPTZ AS period, sum(line_item_unblended_cost::DECIMAL(38,12)) AS total "
                            + "FROM read_csv('%s/**/*.csv.gz', all_varchar = true) GROUP BY ALL",
            "focus-gcp",
                    "SELECT timezone('America/Los_Angeles', strptime(invoice.month, '%%Y%%m')) AS period, "
                            + "sum(cost::VARCHAR::DECIMAL(38,12)) + coalesce(sum((SELECT sum(c.amount::VARCHAR::DECIMAL(38,12)) FROM unnest(credits) AS t(c))), 0) AS total "
                            + "FROM read_json('%s/**/*.jsonl.gz') GROUP BY ALL",
            "focus-oci",
                    "SELECT date_trunc('month', \"lineItem/intervalUsageStart\"::TIMESTAMPTZ) AS period, "
                            + "sum(\"cost/myCost\"::DECIMAL(38,12)) AS total FROM read_csv('%s/**/*.csv.gz', all_varchar = true) GROUP BY ALL");

    @ParameterizedTest
    @CsvSource({"focus-aws,aws-cur", "focus-aws-cur2,aws-cur2", "focus-azure,azure", "focus-gcp,gcp", "focus-oci,oci"})
    void runsConformsAndAddsUp(String example, String provider) throws Exception {
        Path copy = copy(Path.of("..", "examples", example), dir.resolve(example));
        try (Stream<Path> pipelines = Files.list(copy)) {
            for (Path p : pipelines
                    .filter(f -> f.getFileName().toString().startsWith("pipeline"))
                    .sorted()
                    .toList()) {
                RunSummary summary = PipelineRunTest.run(p);
                assertThat(summary.dead()).as(p.toString()).isZero();
                assertThat(summary.splitsDone()).as(p.toString()).isPositive();
                assertThat(summary.rejected())
                        .as(p + ": rows the step's own row checks rejected")
                        .isZero();
            }
        }
        try (Duck d = new Duck();
                Stream<Path> files = Files.walk(copy.resolve("data/focus"))) {
            List<Path> parquet = files.filter(f ->
                            f.toString().endsWith(".parquet") && !f.toString().contains("/_"))
                    .toList();
            Dataset.load(d.c, "focus", parquet);
            Report report = new FocusValidator("1.2")
                    .validate(
                            d.c,
                            "focus",
                            List.of(example),
                            new HashSet<>(io.sluice.focus.mapping.MappingLoader.builtin(provider, "1.2")
                                    .applicability()),
                            List.of());
            assertThat(report.errors()).as(report.render()).isEmpty();
            if (INVOICE_TOTALS.containsKey(example)) {
                d.run("CREATE TABLE invoice AS " + INVOICE_TOTALS.get(example).formatted(copy.resolve("input")));
                List<Map<String, Object>> periods = d.rows(
                        "SELECT i.period, i.total, f.billed FROM invoice i "
                                + "FULL JOIN (SELECT BillingPeriodStart AS period, sum(BilledCost) AS billed FROM focus GROUP BY ALL) f USING (period)");
                assertThat(periods)
                        .isNotEmpty()
                        .allSatisfy(p -> assertThat(((BigDecimal) p.get("billed"))
                                        .subtract((BigDecimal) p.get("total"))
                                        .abs())
                                .as("period " + p.get("period"))
                                .isLessThan(new BigDecimal("0.005")));
            }
        }
    }

    private static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path rel = from.relativize(p);
                if (rel.toString().startsWith("data") || rel.toString().startsWith(".sluice")) continue;
                Path target = to.resolve(rel.toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
        // the files source reads only files that have settled
        try (Stream<Path> walk = Files.walk(to)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                Files.setLastModifiedTime(
                        p, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
            }
        }
        return to;
    }
}
