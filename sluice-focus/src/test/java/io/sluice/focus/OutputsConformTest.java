package io.sluice.focus;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.focus.mapping.MappingLoader;
import io.sluice.focus.validate.FocusValidator;
import io.sluice.focus.validate.Report;
import io.sluice.spi.BadRecordPolicy;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every provider's output passes every FOCUS rule Sluice can check, under the criteria its mapping declares and as inferred. */
class OutputsConformTest {
    private static final FocusValidator VALIDATOR = new FocusValidator("1.2");

    @TempDir
    Path dir;

    private static void conforms(Duck d, String provider, String table, String name) throws SQLException {
        Convert.into(d, provider, table, "focus");
        Report declared = VALIDATOR.validate(
                d.c,
                "focus",
                List.of(name),
                new HashSet<>(MappingLoader.builtin(provider, "1.2").applicability()),
                List.of());
        assertThat(declared.errors()).as(declared.render()).isEmpty();
        Report inferred = VALIDATOR.validate(d.c, "focus", List.of(name), null, List.of());
        assertThat(inferred.errors()).as(inferred.render()).isEmpty();
        // and the step's own row checks agree
        String flagged = FocusStep.of(provider, "1.2", null, false, true, BadRecordPolicy.SKIP)
                .apply("SELECT * FROM " + table);
        assertThat(d.value("SELECT count(x_ValidationErrors) FROM (" + flagged + ")"))
                .as(name)
                .isEqualTo(0L);
    }

    @Test
    void aws() throws Exception {
        try (Duck d = new Duck()) {
            d.csv("t", Convert.resource("aws-cur/line-types.csv"));
            conforms(d, "aws-cur", "t", "aws-cur line types");
            d.csv("t", Convert.resource("public/aws-cur-anonymized-1281rows.csv"));
            conforms(d, "aws-cur", "t", "aws-cur public sample");
            d.csv("legacy", Convert.resource("aws-cur/line-types.csv"));
            d.run("COPY (" + AwsCur2ConversionTest.TO_CUR2 + ") TO '" + dir.resolve("cur2.parquet")
                    + "' (FORMAT parquet)");
            d.load("t", "read_parquet('" + dir.resolve("cur2.parquet") + "')");
            conforms(d, "aws-cur2", "t", "aws-cur2 line types");
        }
    }

    @Test
    void azure() throws Exception {
        try (Duck d = new Duck()) {
            for (String f : List.of(
                    "ea-actual-cost-small.csv", "ea-amortized-cost-small.csv", "ea-export-anonymized-27rows.csv")) {
                d.csv("t", Convert.resource("public/azure/" + f));
                conforms(d, "azure", "t", f);
            }
        }
    }

    @Test
    void gcp() throws Exception {
        try (Duck d = new Duck()) {
            d.jsonl("t", Convert.resource("gcp/export.jsonl"));
            conforms(d, "gcp", "t", "gcp export");
        }
    }

    @Test
    void oci() throws Exception {
        try (Duck d = new Duck()) {
            d.csv("t", Convert.resource("public/oci-cost-report-506rows.csv"));
            conforms(d, "oci", "t", "oci cost report");
            d.csv("t", Convert.resource("oci/correction.csv"));
            conforms(d, "oci", "t", "oci correction");
        }
    }
}
