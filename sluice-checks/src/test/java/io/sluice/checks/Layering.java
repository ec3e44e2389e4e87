package io.sluice.checks;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The layering of docs/development.md as ArchUnit rules over the packages below a root ({@code io.sluice}, or a
 * fixture's root in the tests that show each rule fails on a violation).
 *
 * <p>Layers: {@code config} at the bottom; the SPI ({@code spi..}) on it; connectors ({@code sources.X},
 * {@code sinks.X}, {@code ledger.X}, {@code storage.X}, {@code steps.X}, {@code focus}) on the SPI; the engine
 * ({@code engine}, {@code runner}, {@code pipeline}, {@code planning}) on the SPI; the CLI on top.
 */
final class Layering {
    /** A connector's package below the root: its kind and name, e.g. {@code sources.files} or {@code ledger.redis}. */
    private static final Pattern CONNECTOR =
            Pattern.compile("(sources|sinks|ledger|storage|steps)\\.([^.]+)(\\..*)?|(focus)(\\..*)?");

    private static final String[] ENGINE = {"engine", "runner", "pipeline", "planning", "cli"};
    private static final String[] CONNECTOR_KINDS = {"sources", "sinks", "ledger", "storage", "steps", "focus"};

    private Layering() {}

    /** {@code spi..} imports neither the engine nor any connector, so both can change behind it. */
    static ArchRule spiKnowsNeitherEngineNorConnectors(String root) {
        return noClasses()
                .that()
                .resideInAPackage(root + ".spi..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(packages(root, ENGINE))
                .orShould()
                .dependOnClassesThat()
                .resideInAnyPackage(packages(root, CONNECTOR_KINDS))
                .orShould()
                .dependOnClassesThat()
                .resideInAPackage(root + ".testkit..")
                .because("the SPI is what the engine and the connectors share (docs/development.md, Layering)");
    }

    /** A connector imports the SPI, never another connector: {@code sources.files} does not import {@code sinks.files}. */
    static ArchRule connectorsKnowNoOtherConnector(String root) {
        return slices().assignedFrom(connectors(root))
                .should()
                .notDependOnEachOther()
                .because("connectors share code through the SPI only (docs/development.md, Layering)");
    }

    /** A connector imports neither the engine nor the CLI: the engine hands it what it needs through the SPI. */
    static ArchRule connectorsKnowNoEngine(String root) {
        return noClasses()
                .that(areIn(root))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(packages(root, ENGINE))
                .because(
                        "the engine calls connectors through the SPI, not the other way (docs/development.md, Layering)");
    }

    /** No two top-level packages ({@code root.X}) import each other, directly or round a longer cycle. */
    static ArchRule noCyclesBetweenTopLevelPackages(String root) {
        return slices().matching(root + ".(*)..").should().beFreeOfCycles();
    }

    private static String[] packages(String root, String[] names) {
        String[] out = new String[names.length];
        for (int i = 0; i < names.length; i++) out[i] = root + "." + names[i] + "..";
        return out;
    }

    private static DescribedPredicate<JavaClass> areIn(String root) {
        return DescribedPredicate.describe("are in a connector", c -> connectorOf(root, c) != null);
    }

    /** The connector a class belongs to ({@code sources.files}, {@code focus}), or null for any other class. */
    private static String connectorOf(String root, JavaClass c) {
        String pkg = c.getPackageName();
        if (!pkg.startsWith(root + ".")) return null;
        Matcher m = CONNECTOR.matcher(pkg.substring(root.length() + 1));
        if (!m.matches()) return null;
        return m.group(4) != null ? m.group(4) : m.group(1) + "." + m.group(2);
    }

    private static SliceAssignment connectors(String root) {
        return new SliceAssignment() {
            @Override
            public SliceIdentifier getIdentifierOf(JavaClass c) {
                String connector = connectorOf(root, c);
                return connector == null ? SliceIdentifier.ignore() : SliceIdentifier.of(connector);
            }

            @Override
            public String getDescription() {
                return "connectors below " + root + " (sources.X, sinks.X, ledger.X, storage.X, steps.X, focus)";
            }
        };
    }
}
