package io.sluice.checks;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.Test;

/** Each layering rule fails on the fixture, which breaks each of them once: no rule passes whatever the code. */
class LayeringRulesFailTest {
    private static final String ROOT = "io.sluice.checks.fixture";
    private static final JavaClasses FIXTURE = new ClassFileImporter().importPackages(ROOT);

    @Test
    void spiThatKnowsTheEngineFails() {
        assertThat(violations(Layering.spiKnowsNeitherEngineNorConnectors(ROOT)))
                .contains("fixture.spi.Api")
                .contains("fixture.engine.Engine");
    }

    @Test
    void connectorThatKnowsAnotherFails() {
        assertThat(violations(Layering.connectorsKnowNoOtherConnector(ROOT)))
                .contains("fixture.sources.a.SourceA")
                .contains("fixture.sinks.b.SinkB");
    }

    @Test
    void connectorThatKnowsTheEngineFails() {
        assertThat(violations(Layering.connectorsKnowNoEngine(ROOT)))
                .contains("fixture.sources.a.SourceA")
                .contains("fixture.engine.Engine")
                .doesNotContain("<io.sluice.checks.fixture.sinks.b.SinkB.");
    }

    @Test
    void cycleBetweenTopLevelPackagesFails() {
        assertThat(violations(Layering.noCyclesBetweenTopLevelPackages(ROOT))).contains("Cycle detected");
    }

    private static String violations(ArchRule rule) {
        EvaluationResult result = rule.evaluate(FIXTURE);
        assertThat(result.hasViolation()).as(rule.getDescription()).isTrue();
        return result.getFailureReport().toString();
    }
}
