package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.ConfigException;
import io.sluice.config.ConfigNode;
import io.sluice.config.Connections;
import io.sluice.config.YamlReader;
import io.sluice.focus.mapping.MappingLoader;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.PipelineLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code ```yaml} block of README.md and docs/ is what Sluice accepts today: a user copies it, and an option
 * renamed or removed since it was written would fail for them. Each block is recognised by its top-level keys:
 *
 * <ul>
 *   <li>a pipeline or a piece of one (only {@code pipeline}, {@code source}, {@code steps}, {@code sink},
 *       {@code state}, {@code run}): what it lacks is added (a name, a files source, a files sink) and it is loaded by
 *       the real {@link PipelineLoader} with every component: option names, types, enums, required options, as
 *       {@code sluice validate} checks them before it reads data or reaches a server;
 *   <li>a connections file (every entry a block with a {@code url}): loaded by {@link Connections}, each connection
 *       validated; it is the connections.yaml of the doc's other blocks;
 *   <li>a FOCUS mapping file ({@code extends:}): loaded by {@link MappingLoader};
 *   <li>another tool's YAML, skipped: a list at the top (KEDA triggers), a Kubernetes object or part of one, a
 *       Prometheus configuration ({@link #FOREIGN});
 *   <li>anything else fails, so a new kind of block is either checked or skipped on purpose here.
 * </ul>
 *
 * A block whose first line is a comment naming a file ({@code # my-aws.yaml}) is also written under that name beside
 * the doc's pipelines, which may use it. A block just after {@code <!-- not checked: WHY -->} is left out (a doc
 * showing an error). Nothing runs and no server is reached.
 */
class DocSnippetsTest {
    private static final Path ROOT = Path.of("..");
    private static final Set<String> PIPELINE = Set.of("pipeline", "source", "steps", "sink", "state", "run");
    /** Top-level keys of Kubernetes objects (or their pod spec) and of a Prometheus configuration. */
    private static final Set<String> FOREIGN =
            Set.of("apiVersion", "kind", "metadata", "spec", "containers", "volumes", "scrape_configs");

    private static final Pattern FENCE = Pattern.compile("^\\s*```yaml\\s*$");
    private static final Pattern END = Pattern.compile("^\\s*```\\s*$");
    private static final Pattern NOT_CHECKED = Pattern.compile("^\\s*<!--\\s*not checked:.*-->\\s*$");
    private static final Pattern NAMED_FILE = Pattern.compile("^#\\s*([\\w.-]+\\.yaml)\\s*$");
    /** {@code ${file:/absolute/path}}: the secret is made under the block's folder instead (the path made relative). */
    private static final Pattern ABSOLUTE_SECRET = Pattern.compile("\\$\\{file:/([^}]+)}");

    /**
     * Values of {@code ${VAR}}: a url for a {@code *_URL} (the docs' ledgers take a JDBC url from one), else a
     * placeholder; the value of a variable is not what the docs show.
     */
    private static final Function<String, String> ENV =
            name -> name.endsWith("_URL") ? "jdbc:postgresql://docs-snippet-db:5432/sluice" : "value-of-" + name;

    /** Files the docs' blocks name without showing them. */
    private static final Map<String, String> DATA_FILES = Map.of("teams.csv", "Team,CostCenter\nplatform,CC-1\n");

    @TempDir
    Path dir;

    record Block(Path doc, int line, String text, boolean notChecked) {
        String where() {
            return ROOT.relativize(doc) + ":" + line;
        }
    }

    @Test
    void everyYamlBlockOfTheDocsIsWhatSluiceAccepts() throws IOException {
        PipelineLoader loader = new PipelineLoader(Components.discover(), ENV);
        List<String> failures = new ArrayList<>();
        int pipelines = 0;
        int files = 0;
        for (Path doc : docs()) {
            List<Block> blocks = blocks(doc);
            Path folder = Files.createDirectories(
                    dir.resolve(ROOT.relativize(doc).toString().replace('/', '_')));
            DATA_FILES.forEach((name, text) -> write(folder.resolve(name), text));
            // files first: a pipeline of the doc may name a connection or a mapping shown after it
            List<Block> rest = new ArrayList<>();
            for (Block b : blocks) {
                if (b.notChecked()) continue;
                String text = withSecrets(dedent(b.text()), folder);
                ConfigNode root;
                try {
                    root = YamlReader.parse(b.where(), text);
                } catch (ConfigException e) {
                    failures.add(b.where() + ": not YAML: " + e.getMessage());
                    continue;
                }
                Matcher named = NAMED_FILE.matcher(text.lines().findFirst().orElse(""));
                if (named.matches()) write(folder.resolve(named.group(1)), text);
                if (isConnections(root)) {
                    write(folder.resolve(Connections.FILE_NAME), text);
                    files++;
                    check(failures, b, folder.resolve(Connections.FILE_NAME), () -> {
                        Connections c = Connections.load(folder.resolve(Connections.FILE_NAME), ENV);
                        c.names().forEach(c::find);
                    });
                } else if (root instanceof ConfigNode.Mapping m && m.entries().containsKey("extends")) {
                    Path mapping = folder.resolve(named.matches() ? named.group(1) : "mapping-" + b.line() + ".yaml");
                    write(mapping, text);
                    files++;
                    check(failures, b, mapping, () -> MappingLoader.file(mapping, "1.2"));
                } else if (root instanceof ConfigNode.Mapping m
                        && !m.entries().isEmpty()
                        && PIPELINE.containsAll(m.entries().keySet())) {
                    rest.add(new Block(b.doc(), b.line(), text, false));
                } else if (!isForeign(root)) {
                    failures.add(b.where() + ": neither a pipeline, a piece of one, a connections file, a mapping "
                            + "file nor another tool's YAML: teach DocSnippetsTest this kind of block, or mark it "
                            + "<!-- not checked: WHY -->");
                }
            }
            for (Block b : rest) {
                Path file = folder.resolve("pipeline-" + b.line() + ".yaml");
                write(file, completed(b.text()));
                pipelines++;
                check(failures, b, file, () -> loader.load(file));
            }
        }
        assertThat(failures)
                .as("yaml blocks of the docs that Sluice refuses (fix the doc: docs/reference.md names every option)")
                .isEmpty();
        // the rules above must not skip everything: the docs hold dozens of pipelines and pieces of one
        assertThat(pipelines).isGreaterThan(30);
        assertThat(files).isGreaterThanOrEqualTo(4);
    }

    /** The block with what a pipeline needs and it lacks, added after its own lines (so its line numbers hold). */
    private static String completed(String text) {
        Set<String> keys =
                ((ConfigNode.Mapping) YamlReader.parse("block", text)).entries().keySet();
        StringBuilder out = new StringBuilder(text);
        if (!text.endsWith("\n")) out.append('\n');
        if (!keys.contains("pipeline")) out.append("pipeline: doc-snippet\n");
        if (!keys.contains("source")) out.append("source:\n  files: { path: in }\n");
        if (!keys.contains("sink")) out.append("sink:\n  files: { path: out }\n");
        return out.toString();
    }

    /** Kubernetes or Prometheus YAML, or KEDA triggers (a list of blocks with a {@code type} and {@code metadata}). */
    private static boolean isForeign(ConfigNode root) {
        return switch (root) {
            case ConfigNode.Mapping m -> FOREIGN.containsAll(m.entries().keySet());
            case ConfigNode.Sequence s ->
                s.items().stream()
                        .allMatch(i -> i instanceof ConfigNode.Mapping m
                                && m.entries().keySet().containsAll(Set.of("type", "metadata")));
            default -> false;
        };
    }

    private static boolean isConnections(ConfigNode root) {
        return root instanceof ConfigNode.Mapping m
                && !m.entries().isEmpty()
                && m.entries().values().stream()
                        .allMatch(e -> e.value() instanceof ConfigNode.Mapping c
                                && c.entries().containsKey("url"));
    }

    /** Absolute {@code ${file:...}} secrets made relative to the block's folder, each file made with a value. */
    private static String withSecrets(String text, Path folder) {
        Matcher m = ABSOLUTE_SECRET.matcher(text);
        // a value no other test's output holds: the process redacts every secret it read (Secret.redact), in every
        // later message of this JVM, and "secret" turned K8sCommandTest's "create secret generic" into a reference
        while (m.find()) write(folder.resolve(m.group(1)), "value-of-docs-secret-file");
        return m.replaceAll("\\${file:$1}");
    }

    /** The loader's message, its places in the block's file shown as the doc's lines. */
    private void check(List<String> failures, Block b, Path file, Runnable load) {
        try {
            load.run();
        } catch (ConfigException e) {
            failures.add(b.where() + ": " + inTheDoc(e.getMessage(), b, file));
        } catch (RuntimeException e) {
            failures.add(b.where() + ": " + inTheDoc(e.toString(), b, file));
        }
    }

    private String inTheDoc(String message, Block b, Path file) {
        Matcher at = Pattern.compile(Pattern.quote(file.toString()) + ":(\\d+):(\\d+)")
                .matcher(message);
        String mapped = at.replaceAll(m -> Matcher.quoteReplacement(
                ROOT.relativize(b.doc()) + ":" + (b.line() + Integer.parseInt(m.group(1)) - 1) + ":" + m.group(2)));
        return mapped.replace(dir.toString(), "<test folder>");
    }

    /** The {@code ```yaml} blocks of a doc, each with the line number of its first line. */
    static List<Block> blocks(Path doc) throws IOException {
        List<String> lines = Files.readAllLines(doc);
        List<Block> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!FENCE.matcher(lines.get(i)).matches()) continue;
            int before = i - 1;
            while (before >= 0 && lines.get(before).isBlank()) before--;
            boolean notChecked =
                    before >= 0 && NOT_CHECKED.matcher(lines.get(before)).matches();
            int start = i + 1;
            int end = start;
            while (end < lines.size() && !END.matcher(lines.get(end)).matches()) end++;
            out.add(new Block(doc, start + 1, String.join("\n", lines.subList(start, end)) + "\n", notChecked));
            i = end;
        }
        return out;
    }

    /** A block indented as a whole (a piece shown at its depth in a pipeline) moved to the left margin. */
    private static String dedent(String text) {
        int indent = text.lines()
                .filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length())
                .min()
                .orElse(0);
        return text.lines()
                .map(l -> l.length() >= indent ? l.substring(indent) : "")
                .reduce("", (a, l) -> a + l + "\n");
    }

    private static List<Path> docs() throws IOException {
        try (Stream<Path> files = Files.walk(ROOT.resolve("docs"))) {
            List<Path> all = new ArrayList<>(List.of(ROOT.resolve("README.md")));
            all.addAll(files.filter(f -> f.toString().endsWith(".md")).sorted().toList());
            return all;
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
