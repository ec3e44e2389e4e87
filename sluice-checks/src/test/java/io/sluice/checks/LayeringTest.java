package io.sluice.checks;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The layering rules over the classes of every module (not their tests). A rule that finds no class to check fails
 * (ArchUnit's {@code failOnEmptyShould}), so a broken class path cannot pass for clean code.
 */
class LayeringTest {
    private static final JavaClasses SLUICE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.sluice");

    @Test
    void spiKnowsNeitherEngineNorConnectors() {
        Layering.spiKnowsNeitherEngineNorConnectors("io.sluice").check(SLUICE);
    }

    @Test
    void connectorsKnowNoOtherConnector() {
        Layering.connectorsKnowNoOtherConnector("io.sluice").check(SLUICE);
    }

    @Test
    void noCyclesBetweenTopLevelPackages() {
        Layering.noCyclesBetweenTopLevelPackages("io.sluice").check(SLUICE);
    }

    @Test
    void connectorsKnowNoEngine() {
        Layering.connectorsKnowNoEngine("io.sluice").check(SLUICE);
    }
}
