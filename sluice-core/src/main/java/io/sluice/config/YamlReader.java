package io.sluice.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Reads a YAML or JSON file (JSON is YAML 1.2) into {@link ConfigNode}s that remember their line and column,
 * so that every later error can point at the place in the file.
 */
public final class YamlReader {
    private YamlReader() {}

    public static ConfigNode read(Path file) {
        String name = file.toString();
        if (Files.isDirectory(file)) {
            throw new ConfigException(new ConfigProblem(Location.unknown(name), "", folderInstead(file)));
        }
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (NoSuchFileException e) {
            throw new ConfigException(
                    new ConfigProblem(Location.unknown(name), "", "the pipeline file does not exist; check the path"));
        } catch (CharacterCodingException e) {
            throw new ConfigException(new ConfigProblem(
                    Location.unknown(name), "", "the pipeline file is not valid UTF-8; save it as UTF-8"));
        } catch (IOException e) {
            throw new ConfigException(
                    new ConfigProblem(Location.unknown(name), "", "cannot read the pipeline file: " + e.getMessage()));
        }
        return parse(name, text);
    }

    /** What a folder given as the pipeline gets told: which files in it would be one. */
    private static String folderInstead(Path folder) {
        List<String> yaml;
        try (var files = Files.list(folder)) {
            yaml = files.map(f -> f.getFileName().toString())
                    .filter(f -> f.endsWith(".yaml") || f.endsWith(".yml"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            yaml = List.of();
        }
        return "the path is a folder; a pipeline is a .yaml file"
                + (yaml.isEmpty()
                        ? ", and this folder has none"
                        : ": give one of the .yaml files in it: " + String.join(", ", yaml));
    }

    private static final Pattern UNQUOTED_VARIABLE = Pattern.compile("[:\\[,{]\\s*(\\$\\{[^}\\s]*}[^\\s,}\\]]*)");

    public static ConfigNode parse(String name, String text) {
        LoadSettings settings = LoadSettings.builder()
                .setLabel(name)
                .setAllowDuplicateKeys(false)
                .build();
        Optional<Node> root;
        try {
            root = new Compose(settings).composeString(text);
        } catch (MarkedYamlEngineException e) {
            Location at = e.getProblemMark().map(m -> location(name, m)).orElse(Location.unknown(name));
            if (at.line() > 0 && indentedWithTab(text, at.line())) {
                // SnakeYAML says "found character '\t' that cannot start any token", in its own words
                throw new ConfigException(new ConfigProblem(
                        new Location(name, at.line(), 1),
                        "",
                        "a tab is used for indentation; YAML indents with spaces"));
            }
            String problem = e.getProblem() == null ? e.getMessage() : e.getProblem();
            String context = e.getContext() == null ? "" : " (" + e.getContext() + ")";
            String hint = e.getProblemMark()
                    .map(m -> unquotedVariable(text, m)
                            + (MAPPING_VALUE.equals(e.getProblem()) ? mappingValueHint(text, m.getLine()) : ""))
                    .orElse("");
            throw new ConfigException(new ConfigProblem(at, "", "syntax error: " + problem + context + hint));
        } catch (YamlEngineException e) {
            throw new ConfigException(new ConfigProblem(Location.unknown(name), "", "syntax error: " + e.getMessage()));
        }
        if (root.isEmpty()) {
            throw new ConfigException(new ConfigProblem(new Location(name, 1, 1), "", "the pipeline file is empty"));
        }
        return convert(name, root.get());
    }

    private static ConfigNode convert(String name, Node node) {
        Location at = node.getStartMark().map(m -> location(name, m)).orElse(Location.unknown(name));
        return switch (node) {
            case ScalarNode s -> new ConfigNode.Scalar(s.getValue(), s.getTag().equals(Tag.NULL) && s.isPlain(), at);
            case SequenceNode s -> {
                List<ConfigNode> items = new ArrayList<>();
                for (Node item : s.getValue()) items.add(convert(name, item));
                yield new ConfigNode.Sequence(items, at);
            }
            case MappingNode m -> {
                Map<String, ConfigNode.Entry> entries = new LinkedHashMap<>();
                for (NodeTuple t : m.getValue()) {
                    Location keyAt = t.getKeyNode()
                            .getStartMark()
                            .map(mk -> location(name, mk))
                            .orElse(at);
                    if (!(t.getKeyNode() instanceof ScalarNode key)) {
                        throw new ConfigException(new ConfigProblem(keyAt, "", "a key must be a plain word"));
                    }
                    ConfigNode.Entry first = entries.get(key.getValue());
                    if (first != null) {
                        // Compose does not check duplicates (only the constructor does): a silent override would
                        // hide the user's mistake
                        throw new ConfigException(new ConfigProblem(
                                keyAt,
                                "",
                                "duplicate key '" + key.getValue() + "' (first written at line "
                                        + first.keyLocation().line() + "); keep one of them"));
                    }
                    entries.put(key.getValue(), new ConfigNode.Entry(keyAt, convert(name, t.getValueNode())));
                }
                yield new ConfigNode.Mapping(entries, at);
            }
            default -> throw new ConfigException(new ConfigProblem(at, "", "unsupported YAML node"));
        };
    }

    /**
     * In braces or brackets, YAML reads the braces of {@code path: ${DATA}} as a mapping inside the value and fails;
     * quoted, it is the text that {@code ${DATA}} is substituted in.
     */
    private static String unquotedVariable(String text, Mark mark) {
        String[] lines = text.split("\\R", -1);
        if (mark.getLine() >= lines.length) return "";
        Matcher m = UNQUOTED_VARIABLE.matcher(lines[mark.getLine()]);
        return m.find() ? "; quote a value that starts with ${ inside { } or [ ]: \"" + m.group(1) + "\"" : "";
    }

    /** SnakeYAML's words for a {@code key:} where a value was being read. */
    private static final String MAPPING_VALUE = "mapping values are not allowed here";

    /** A line that starts as {@code key:} does. */
    private static final Pattern KEY_START =
            Pattern.compile("^\\s*(-\\s+)?[^\\s:#'\"\\[\\]{},&*!|>%@`][^\\s:]*:(\\s|$)");

    private static final String QUOTE_HINT = "quote a value that holds \": \" (a colon and a space), or write it as a"
            + " block (|) on the lines below its key, as in sql: \"SELECT 'a: b' AS c FROM input\"";

    /** A line {@code key: value} (also as a list item), the value not a block below it. */
    private static final Pattern KEY_WITH_VALUE = Pattern.compile("^\\s*(-\\s+)?[^\\s:#][^:#]*:\\s+[^\\s#]");

    /**
     * What to do about a {@code key:} found inside a value ({@code line} 0-based): a key indented deeper than the
     * {@code key: value} line above it is read as part of that value; else a value on the line holds ": " and must be
     * quoted.
     */
    private static String mappingValueHint(String text, int line) {
        String[] lines = text.split("\\R", -1);
        if (line >= lines.length) return "";
        int above = line - 1;
        while (above >= 0
                && (lines[above].isBlank() || lines[above].stripLeading().startsWith("#"))) above--;
        int indent = indentation(lines[line]);
        Matcher aboveKey = above >= 0 ? KEY_WITH_VALUE.matcher(lines[above]) : null;
        // a line of a value cut over lines (multi-line sql) is no key: only a line that starts as one is misplaced
        Matcher key = KEY_START.matcher(lines[line]);
        if (aboveKey != null && aboveKey.find() && key.find()) {
            if (key.group(1) != null && indent > indentation(lines[above])) {
                return "; line " + (line + 1) + " is indented deeper than line " + (above + 1) + " ("
                        + lines[above].strip() + "), so it is read as part of that line's value: if it is a new item"
                        + " of the list, indent its '- ' with " + indentation(lines[above]) + " spaces, as line "
                        + (above + 1) + "'s";
            }
            // a list item's keys stand where the first one does, past its "- "
            int keyColumn = aboveKey.group(1) != null ? aboveKey.end(1) : indentation(lines[above]);
            if (indent > keyColumn) {
                String previous = lines[above].strip();
                return "; line " + (line + 1) + " is indented deeper than line " + (above + 1) + " (" + previous
                        + "), so it is read as part of that line's value: if it is a key beside it, indent it with "
                        + keyColumn + " spaces, as line " + (above + 1) + "'s key; else " + QUOTE_HINT;
            }
        }
        return "; " + QUOTE_HINT;
    }

    private static int indentation(String line) {
        return line.length() - line.stripLeading().length();
    }

    /** Whether the 1-based line's indentation holds a tab. */
    private static boolean indentedWithTab(String text, int line) {
        String[] lines = text.split("\\R", -1);
        if (line > lines.length) return false;
        String l = lines[line - 1];
        String indentation = l.substring(0, l.length() - l.stripLeading().length());
        return indentation.indexOf('\t') >= 0;
    }

    private static Location location(String name, Mark mark) {
        return new Location(name, mark.getLine() + 1, mark.getColumn() + 1);
    }
}
