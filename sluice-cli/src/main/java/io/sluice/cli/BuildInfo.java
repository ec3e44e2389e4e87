package io.sluice.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** {@code sluice --version}: what the build wrote into build.properties (the version, the commit, when). */
final class BuildInfo implements IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in != null) p.load(in);
        }
        return lines(p).toArray(String[]::new);
    }

    /** The first line of --version: {@code sluice 0.1.0}, or {@code sluice (version unknown ...)}. */
    String versionLine() {
        try {
            return getVersion()[0];
        } catch (IOException e) {
            return "sluice (version unknown)";
        }
    }

    static List<String> lines(Properties p) {
        List<String> lines = new ArrayList<>();
        lines.add("sluice " + known(p, "version").orElse("(version unknown: not built by Maven)"));
        String built = known(p, "built").map(t -> "built " + t).orElse("build time unknown");
        String commit = known(p, "commit")
                .map(c -> "commit " + c
                        + known(p, "commit.time").map(t -> " of " + t).orElse("")
                        + switch (p.getProperty("changed", "")) {
                            case "0" -> "";
                            case "1" -> ", with uncommitted changes";
                            default -> ", changes unknown";
                        })
                .orElse("commit unknown: built from a source tree without git history");
        lines.add(commit + "; " + built);
        lines.add("Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + "), "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        return lines;
    }

    /** A value the build filled in: not empty, not a placeholder left as it was. */
    private static java.util.Optional<String> known(Properties p, String key) {
        String v = p.getProperty(key, "").strip();
        return v.isEmpty() || v.startsWith("${") ? java.util.Optional.empty() : java.util.Optional.of(v);
    }
}
