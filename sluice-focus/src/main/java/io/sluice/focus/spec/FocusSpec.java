package io.sluice.focus.spec;

import io.sluice.focus.Csv;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The columns of one FOCUS version, read from {@code spec/columns-<version>.csv} (derived from the specification's
 * column pages), plus the columns a later version adds that Sluice already emits.
 */
public final class FocusSpec {
    /** The versions Sluice converts to and validates. */
    public static final List<String> VERSIONS = List.of("1.2");

    /**
     * FOCUS 1.3 columns Sluice emits beside the deprecated {@code ProviderName} and {@code PublisherName}, so
     * outputs are ready for 1.3. A 1.2 validator accepts them as forward-compatible, not as custom columns.
     */
    public static final List<String> FORWARD_COLUMNS = List.of("HostProviderName", "ServiceProviderName");

    /** Every column FOCUS 1.3 adds; a 1.2 dataset carrying them is not using un-prefixed custom columns. */
    public static final List<String> LATER_COLUMNS = List.of(
            "AllocatedMethodDetails",
            "AllocatedMethodId",
            "AllocatedResourceId",
            "AllocatedResourceName",
            "AllocatedTags",
            "ContractApplied",
            "HostProviderName",
            "ServiceProviderName");

    private final String version;
    private final Map<String, FocusColumn> columns;

    private FocusSpec(String version, Map<String, FocusColumn> columns) {
        this.version = version;
        this.columns = columns;
    }

    public static FocusSpec of(String version) {
        if (!VERSIONS.contains(version)) {
            throw new IllegalArgumentException(
                    "FOCUS version " + version + " is not supported; supported: " + VERSIONS);
        }
        String resource = "columns-" + version + ".csv";
        try (InputStream in = FocusSpec.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing resource " + resource);
            return new FocusSpec(version, parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String version() {
        return version;
    }

    /** The columns in the specification's (alphabetical) order. */
    public List<FocusColumn> columns() {
        return List.copyOf(columns.values());
    }

    public Optional<FocusColumn> column(String id) {
        return Optional.ofNullable(columns.get(id));
    }

    private static Map<String, FocusColumn> parse(BufferedReader reader) throws IOException {
        List<List<String>> rows = Csv.read(reader);
        List<String> header = rows.get(0);
        int id = header.indexOf("ColumnId");
        int level = header.indexOf("FeatureLevel");
        int nulls = header.indexOf("AllowsNulls");
        int type = header.indexOf("DataType");
        int allowed = header.indexOf("AllowedValues");
        Map<String, FocusColumn> out = new LinkedHashMap<>();
        for (List<String> f : rows.subList(1, rows.size())) {
            String values = f.get(allowed);
            // ServiceSubcategory's 82 values are a table in the spec; the rules model carries (and checks) them
            List<String> allowedValues = values.isBlank() || values.startsWith("see ")
                    ? List.of()
                    : Arrays.stream(values.split(";")).map(String::strip).toList();
            out.put(
                    f.get(id),
                    new FocusColumn(
                            f.get(id),
                            dataType(f.get(type)),
                            FocusColumn.FeatureLevel.valueOf(f.get(level).toUpperCase(Locale.ROOT)),
                            Boolean.parseBoolean(f.get(nulls)),
                            allowedValues));
        }
        return out;
    }

    private static FocusColumn.DataType dataType(String s) {
        return switch (s) {
            case "String" -> FocusColumn.DataType.STRING;
            case "Decimal" -> FocusColumn.DataType.DECIMAL;
            case "Date/Time" -> FocusColumn.DataType.DATETIME;
            case "JSON" -> FocusColumn.DataType.JSON;
            default -> throw new IllegalStateException("unknown FOCUS data type " + s);
        };
    }
}
