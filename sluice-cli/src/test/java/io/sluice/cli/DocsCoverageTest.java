package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** What a user can type or set is written down: the README lists every command, the docs every option and variable. */
class DocsCoverageTest {
    private static final Path ROOT = Path.of("..");

    @Test
    void theReadmeListsEveryCommandAndTheDocsEveryOption() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String docs = readme + allDocs();
        List<String> missing = new ArrayList<>();
        walk(Main.commandLine(), "sluice", readme, docs, missing);
        assertThat(missing)
                .as("add them to README.md's command table (options may be in docs/)")
                .isEmpty();
    }

    private static void walk(CommandLine cmd, String name, String readme, String docs, List<String> missing) {
        if (!name.equals("sluice") && !readme.contains("`" + name)) missing.add("command: " + name);
        for (OptionSpec o : cmd.getCommandSpec().options()) {
            if (o.usageHelp() || o.versionHelp()) continue;
            if (!docs.contains(o.longestName())) missing.add("option: " + name + " " + o.longestName());
        }
        cmd.getSubcommands().forEach((sub, c) -> walk(c, name + " " + sub, readme, docs, missing));
    }

    @Test
    void everyEnvironmentVariableSluiceReadsIsDocumented() throws IOException {
        String docs = Files.readString(ROOT.resolve("README.md")) + allDocs();
        Pattern getenv = Pattern.compile("getenv\\(\"([A-Z0-9_]+)\"\\)");
        List<String> variables = new ArrayList<>();
        try (Stream<Path> files = Files.walk(ROOT)) {
            for (Path f : files.filter(f -> f.toString().contains("/src/main/java/")
                            && f.toString().endsWith(".java"))
                    .toList()) {
                Matcher m = getenv.matcher(Files.readString(f));
                while (m.find()) variables.add(m.group(1));
            }
        }
        assertThat(variables)
                .isNotEmpty()
                .allSatisfy(v -> assertThat(docs).as("%s is documented", v).contains(v));
    }

    private static String allDocs() throws IOException {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.walk(ROOT.resolve("docs"))) {
            for (Path f :
                    files.filter(f -> f.toString().endsWith(".md")).sorted().toList()) all.append(Files.readString(f));
        }
        return all.toString();
    }
}
