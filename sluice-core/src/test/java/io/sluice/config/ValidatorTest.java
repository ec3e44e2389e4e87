package io.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.pipeline.RunOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user sees when a pipeline file is wrong: every problem names the file, line and column, the option path,
 * and what is allowed. And what a user relies on when it is right: env substitution, JSON, durations and sizes.
 */
class ValidatorTest {
    private static final Components COMPONENTS = Components.discover();

    @TempDir
    Path dir;

    private final Map<String, String> env = new LinkedHashMap<>();

    @BeforeEach
    void folders() throws IOException {
        Files.createDirectories(dir.resolve("in"));
    }

    private PipelineLoader loader() {
        Function<String, String> lookup = env::get;
        return new PipelineLoader(COMPONENTS, lookup);
    }

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private Pipeline load(String yaml) throws IOException {
        return loader().load(write("p.yaml", yaml));
    }

    /** The problems of an invalid pipeline; fails when it loads. */
    private List<ConfigProblem> problems(String yaml) throws IOException {
        Path file = write("p.yaml", yaml);
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> loader().load(file));
        assertThat(e).as("pipeline should be invalid:\n" + yaml).isNotNull();
        assertThat(e.problems()).isNotEmpty();
        assertThat(e.getMessage()).contains(file.toAbsolutePath().toString());
        return e.problems();
    }

    private static ConfigProblem only(List<ConfigProblem> problems) {
        assertThat(problems).hasSize(1);
        return problems.getFirst();
    }

    /** A valid pipeline, one option per line so that line numbers are easy to name. */
    private static String pipeline(String runBlock, String sinkExtra) {
        return """
                pipeline: demo
                source:
                  files:
                    path: in
                    include: "**/*.csv"
                sink:
                  files:
                    path: out
                """ + sinkExtra + runBlock;
    }

    // ---- unknown keys --------------------------------------------------------------------------------

    @Test
    void unknownKeyNamesFileLineColumnPathSuggestionAndAllowedKeys() throws IOException {
        ConfigProblem p = only(problems(pipeline("", "    formt: csv\n")));
        assertThat(p.location().file())
                .isEqualTo(dir.resolve("p.yaml").toAbsolutePath().toString());
        assertThat(p.location().line()).isEqualTo(9);
        assertThat(p.location().column()).isEqualTo(5);
        assertThat(p.path()).isEqualTo("sink.files.formt");
        assertThat(p.message())
                .contains("unknown option")
                .contains("did you mean 'format'?")
                .contains("path")
                .contains("format")
                .contains("compression")
                .contains("partition_by");
        assertThat(p.toString()).startsWith(dir.resolve("p.yaml").toAbsolutePath() + ":9:5: sink.files.formt: ");
    }

    @Test
    void unknownTopLevelKeyAndUnknownComponentKind() throws IOException {
        List<ConfigProblem> ps = problems("""
                pipeline: demo
                source:
                  filez:
                    path: in
                sink:
                  files: { path: out }
                stepz: []
                """);
        assertThat(ps).hasSize(2);
        ConfigProblem kind = ps.stream()
                .filter(p -> p.path().equals("source.filez"))
                .findFirst()
                .orElseThrow();
        assertThat(kind.location().line()).isEqualTo(3);
        assertThat(kind.message()).contains("did you mean 'files'?").contains("allowed: files");
        ConfigProblem top =
                ps.stream().filter(p -> p.path().equals("stepz")).findFirst().orElseThrow();
        assertThat(top.location().line()).isEqualTo(7);
        assertThat(top.location().column()).isEqualTo(1);
        assertThat(top.message())
                .contains("did you mean 'steps'?")
                .contains("pipeline, source, steps, sink, state, run");
    }

    @Test
    void anUnrelatedWordGetsNoSuggestionButStillTheAllowedKeys() throws IOException {
        ConfigProblem p = only(problems(pipeline("", "    zzzzzzzzzz: 1\n")));
        assertThat(p.message())
                .doesNotContain("did you mean")
                .contains("allowed here: path, format, compression, partition_by");
    }

    @Test
    void anOptionOfAKindWrittenOneLevelTooHighNamesTheKeyItsLineAndWhereItBelongs() throws IOException {
        List<ConfigProblem> ps = problems("""
                pipeline: demo
                source:
                  files:
                    path: in
                  include: "*.csv"
                sink:
                  files: { path: out }
                """);
        ConfigProblem p = only(ps);
        assertThat(p.path()).isEqualTo("source.include");
        assertThat(p.location().line()).isEqualTo(5);
        assertThat(p.location().column()).isEqualTo(3);
        assertThat(p.message())
                .startsWith("`include` is not a kind of source; did you mean source.files.include?")
                .doesNotContain("found a map");
    }

    /** Steps written as a map, without the "- " of a list item: the error says to write it. */
    @Test
    void stepsWrittenAsAMapSayToStartEachStepWithADash() throws IOException {
        ConfigProblem p = only(problems("""
                pipeline: demo
                source:
                  files: { path: in }
                steps:
                  sql: SELECT * FROM input
                sink:
                  files: { path: out }
                """));
        assertThat(p.path()).isEqualTo("steps");
        assertThat(p.location().line()).isEqualTo(5);
        assertThat(p.message()).contains("found a map").contains("start each item with '- ' (- sql: ...)");
    }

    @Test
    void anOptionWrittenWithoutItsKindAndAnOptionOfABlockBelowAreEachNamed() throws IOException {
        List<ConfigProblem> ps = problems("""
                pipeline: demo
                source:
                  path: in
                sink:
                  files: { path: out }
                run:
                  max: 3
                """);
        assertThat(ps).hasSize(2);
        assertThat(ps.getFirst().path()).isEqualTo("source.path");
        assertThat(ps.getFirst().location().line()).isEqualTo(3);
        assertThat(ps.getFirst().message()).contains("did you mean source.files.path?");
        assertThat(ps.get(1).path()).isEqualTo("run.max");
        assertThat(ps.get(1).location().line()).isEqualTo(7);
        assertThat(ps.get(1).message()).contains("unknown option (did you mean run.retries.max?)");
    }

    @Test
    void twoKindsInOneBlockAreAnErrorAtTheSecond() throws IOException {
        ConfigProblem p = only(problems("""
                pipeline: demo
                source:
                  files: { path: in }
                sink:
                  files: { path: out }
                steps:
                  - sql: SELECT * FROM input
                    aggregate: { measures: { n: count(*) } }
                """));
        assertThat(p.path()).isEqualTo("steps[0].aggregate");
        assertThat(p.location().line()).isEqualTo(8);
        assertThat(p.message()).contains("exactly one of: ");
    }

    // ---- types and values ----------------------------------------------------------------------------

    @Test
    void wrongTypeNamesTheOptionAndTheExpectedType() throws IOException {
        ConfigProblem p = only(problems(pipeline("run:\n  parallelism: many\n", "")));
        assertThat(p.path()).isEqualTo("run.parallelism");
        assertThat(p.location().line()).isEqualTo(10);
        assertThat(p.location().column()).isEqualTo(16);
        assertThat(p.message()).contains("'many'").contains("integer");
    }

    @Test
    void integerBelowItsMinimumIsRejected() throws IOException {
        ConfigProblem p = only(problems(pipeline("run:\n  parallelism: 0\n", "")));
        assertThat(p.path()).isEqualTo("run.parallelism");
        assertThat(p.message()).contains("integer >= 1");
    }

    @Test
    void enumValueNotAllowedListsTheChoicesAndSuggests() throws IOException {
        ConfigProblem p = only(problems(pipeline("", "    format: parqet\n")));
        assertThat(p.path()).isEqualTo("sink.files.format");
        assertThat(p.location().line()).isEqualTo(9);
        assertThat(p.location().column()).isEqualTo(13);
        assertThat(p.message())
                .contains("'parqet'")
                .contains("parquet | csv | jsonl")
                .contains("did you mean 'parquet'?");
    }

    @Test
    void aBlockWhereAValueIsExpectedAndTheOtherWayRound() throws IOException {
        List<ConfigProblem> ps = problems("""
                pipeline: demo
                source:
                  files:
                    path: [in]
                sink: out
                """);
        assertThat(ps).extracting(ConfigProblem::path).containsExactlyInAnyOrder("source.files.path", "sink");
        assertThat(ps)
                .filteredOn(p -> p.path().equals("sink"))
                .singleElement()
                .satisfies(p -> assertThat(p.message())
                        .contains("exactly one of: files")
                        .contains("a scalar"));
        assertThat(ps)
                .filteredOn(p -> p.path().equals("source.files.path"))
                .singleElement()
                .satisfies(p -> assertThat(p.message()).contains("path").contains("a list"));
    }

    @Test
    void missingRequiredOptionIsNamed() throws IOException {
        ConfigProblem p = only(problems("""
                pipeline: demo
                source:
                  files:
                    include: "*.csv"
                sink:
                  files: { path: out }
                """));
        assertThat(p.path()).isEqualTo("source.files.path");
        assertThat(p.location().line()).isEqualTo(4);
        assertThat(p.message()).contains("missing required option");
    }

    @Test
    void missingTopLevelBlocksAreEachNamed() throws IOException {
        List<ConfigProblem> ps = problems("pipeline: demo\n");
        assertThat(ps).extracting(ConfigProblem::path).containsExactlyInAnyOrder("source", "sink");
        assertThat(ps).allSatisfy(p -> assertThat(p.message()).contains("missing required option"));
    }

    @Test
    void anEmptyRequiredValueIsAnError() throws IOException {
        ConfigProblem p = only(problems(pipeline("", "").replace("path: in", "path:")));
        assertThat(p.path()).isEqualTo("source.files.path");
        assertThat(p.message()).contains("empty");
    }

    @Test
    void invalidPipelineName() throws IOException {
        ConfigProblem p = only(problems(pipeline("", "").replace("pipeline: demo", "pipeline: my pipeline!")));
        assertThat(p.path()).isEqualTo("pipeline");
        assertThat(p.location().line()).isEqualTo(1);
        assertThat(p.message()).contains("not a valid name");
    }

    // ---- environment ---------------------------------------------------------------------------------

    @Test
    void environmentVariablesDefaultsAndDollarEscapes() throws IOException {
        env.put("IN_DIR", "in");
        env.put("EMPTY", "");
        Pipeline p = load("""
                pipeline: ${NAME:-from_default}
                source:
                  files:
                    path: ${IN_DIR}
                    include: "${GLOB:-**/*.csv}"
                    marker: "${EMPTY:-.done}"
                steps:
                  - sql: SELECT 'costs $$5' AS price, '$$$${X}' AS raw FROM input
                sink:
                  files:
                    path: ${OUT:-out}
                """);
        assertThat(p.name()).isEqualTo("from_default");
        Options source = p.source().options();
        assertThat(Path.of((String) value(source, "path")))
                .isEqualTo(dir.resolve("in").toAbsolutePath().normalize());
        assertThat(value(source, "include")).isEqualTo(List.of("**/*.csv"));
        assertThat(value(source, "marker"))
                .as("an empty variable takes the :- default")
                .isEqualTo(".done");
        assertThat((String) p.steps().getFirst().value())
                .isEqualTo("SELECT 'costs $5' AS price, '$${X}' AS raw FROM input");
        assertThat(Path.of((String) value(p.sink().options(), "path")))
                .isEqualTo(dir.resolve("out").toAbsolutePath().normalize());
    }

    @Test
    void aSetVariableWinsOverTheDefault() throws IOException {
        env.put("NAME", "from_env");
        env.put("PAR", "3");
        Pipeline p = load(
                pipeline("run:\n  parallelism: ${PAR:-1}\n", "").replace("pipeline: demo", "pipeline: ${NAME:-x}"));
        assertThat(p.name()).isEqualTo("from_env");
        assertThat(p.run().parallelism()).isEqualTo(3);
    }

    @Test
    void anUnsetVariableWithoutDefaultIsAnErrorAtItsLine() throws IOException {
        ConfigProblem p = only(problems(pipeline("", "    format: ${OUT_FORMAT}\n")));
        assertThat(p.path()).isEqualTo("sink.files.format");
        assertThat(p.location().line()).isEqualTo(9);
        assertThat(p.message()).contains("OUT_FORMAT").contains("not set").contains("${OUT_FORMAT:-");
    }

    @Test
    void aVariableIsTypeCheckedAfterSubstitution() throws IOException {
        env.put("PAR", "lots");
        ConfigProblem p = only(problems(pipeline("run:\n  parallelism: ${PAR}\n", "")));
        assertThat(p.path()).isEqualTo("run.parallelism");
        assertThat(p.message()).contains("'lots'");
    }

    @Test
    void aVariableWithoutBracesThatStartsAValueIsAnErrorAtItsLine() throws IOException {
        ConfigProblem p = only(problems(pipeline("", "").replace("path: out", "path: $NOPE/out")));
        assertThat(p.path()).isEqualTo("sink.files.path");
        assertThat(p.location().line()).isEqualTo(8);
        assertThat(p.message()).contains("$NOPE is not replaced: write ${NOPE}");
    }

    @Test
    void aVariableWithoutBracesInsideAValueIsAWarningUnlessItIsSet() throws IOException {
        String sql = "steps:\n  - sql: SELECT *, 'in $USD' AS note FROM input\n";
        Pipeline p = load(pipeline("", "") + sql);
        assertThat(p.warnings()).singleElement().satisfies(w -> {
            assertThat(w.path()).isEqualTo("steps[0].sql");
            assertThat(w.location().line()).isEqualTo(10);
            assertThat(w.message())
                    .contains("$USD is not replaced: write ${USD}")
                    .contains("$$USD for a literal $");
        });
        assertThat(load(pipeline("", "") + sql.replace("$USD", "$$USD")).warnings())
                .isEmpty();

        env.put("USD", "dollars");
        ConfigProblem set = only(problems(pipeline("", "") + sql));
        assertThat(set.message()).contains("(USD is set)");
    }

    @Test
    void theVariablesAnExecCommandGetsAreNeitherErrorsNorWarnings() throws IOException {
        // the form docs/steps/exec.md recommends, even with the names set in Sluice's own environment
        env.put("SLUICE_INPUT", "set here too");
        String exec =
                "steps:\n  - exec: { command: [sh, -c, 'gzip -c \"$SLUICE_INPUT\" > \"$SLUICE_OUTPUT_DIR/x.gz\"'] }\n";
        Pipeline p = load(pipeline("", "") + exec);
        assertThat(p.warnings()).isEmpty();
    }

    // ---- syntax --------------------------------------------------------------------------------------

    @Test
    void yamlSyntaxErrorGivesLineAndColumn() throws IOException {
        ConfigProblem p = only(problems("""
                pipeline: demo
                source:
                  files:
                    path: in
                    include: [a, b
                sink:
                  files: { path: out }
                """));
        assertThat(p.location().line()).isGreaterThanOrEqualTo(5);
        assertThat(p.location().column()).isPositive();
        assertThat(p.message()).startsWith("syntax error");
    }

    /** The one problem of a pipeline whose {@code include} line, under {@code path: in}, is {@code include}. */
    private ConfigProblem misindented(String include) throws IOException {
        return only(problems("""
                pipeline: demo
                source:
                  files:
                    path: in
                %s
                sink:
                  files: { path: out }
                """.formatted(include)));
    }

    @Test
    void badIndentationIsASyntaxErrorAtItsLine() throws IOException {
        ConfigProblem p = misindented("   include: \"*\"");
        assertThat(p.location().line()).isEqualTo(5);
        assertThat(p.location().column()).isPositive();
        assertThat(p.message()).startsWith("syntax error");
    }

    /** A key indented deeper than the key above it, which holds a value: the error says which lines and what to do. */
    @Test
    void aKeyIndentedUnderAKeyWithAValueSaysToIndentItLikeThatKey() throws IOException {
        ConfigProblem p = misindented("     include: \"*\"");
        assertThat(p.location().line()).isEqualTo(5);
        assertThat(p.message())
                .startsWith("syntax error")
                .contains("line 5 is indented deeper than line 4 (path: in)")
                .contains("indent it with 4 spaces, as line 4");
    }

    /** A list item's key indented deeper than its first key: indent it as that key, past the item's "- ". */
    @Test
    void aKeyIndentedUnderAListItemSaysToIndentItLikeTheItemsKey() throws IOException {
        ConfigProblem p = stepsProblemAtLine6("  - sql: SELECT 1 AS a FROM input", "      when: x");
        assertThat(p.message()).contains("indent it with 4 spaces, as line 5's key");
    }

    /** A new list item indented deeper than the one above: indent its "- " as that one's. */
    @Test
    void aListItemIndentedUnderAnotherSaysToIndentItsDashLikeThatOnes() throws IOException {
        ConfigProblem p =
                stepsProblemAtLine6("  - sql: SELECT 1 AS a FROM input", "      - sql: SELECT 2 AS a FROM input");
        assertThat(p.message()).contains("indent its '- ' with 2 spaces, as line 5's");
    }

    /** A key of any characters (a CUR column: lineItem/Cost) misplaced, under an item written "-   key": */
    @Test
    void aKeyOfAnyCharactersUnderAnItemWithSpacesAfterItsDashIsToldItsColumn() throws IOException {
        ConfigProblem p = stepsProblemAtLine6("  -   sql: SELECT 1 AS a FROM input", "         lineItem/Cost: x");
        assertThat(p.message()).contains("indent it with 6 spaces, as line 5's key");
    }

    /** A line of a value cut over lines that holds ": " is no misplaced key: the error says to quote the value. */
    @Test
    void aValueCutOverLinesHoldingAColonAndASpaceSaysToQuoteIt() throws IOException {
        ConfigProblem p =
                stepsProblemAtLine6("  - sql: SELECT id,", "      CASE WHEN id > 1 THEN 'a: b' END AS c FROM input");
        assertThat(p.message())
                .contains("quote a value that holds \": \"", "block (|)")
                .doesNotContain("indent it");
    }

    /** An unquoted value holding ": " is read as a key of a mapping: the error says to quote it. */
    @Test
    void aValueHoldingAColonAndASpaceSaysToQuoteIt() throws IOException {
        ConfigProblem p = only(problems("""
                pipeline: demo
                source:
                  files: { path: in }
                steps:
                  - sql: SELECT id, 'note: x' AS n FROM input
                sink:
                  files: { path: out }
                """));
        assertThat(p.location().line()).isEqualTo(5);
        assertThat(p.message()).startsWith("syntax error").contains("quote a value that holds \": \"");
    }

    @Test
    void aDuplicateKeyIsAnErrorNotASilentOverride() throws IOException {
        ConfigProblem p = only(problems(pipeline("", "    format: csv\n    format: jsonl\n")));
        assertThat(p.location().line()).isEqualTo(10);
        assertThat(p.message()).contains("format");
    }

    @Test
    void emptyAndMissingFiles() throws IOException {
        assertThat(only(problems("# nothing here\n")).message()).contains("empty");
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> loader().load(dir.resolve("nope.yaml")));
        assertThat(e.getMessage()).contains("nope.yaml").contains("does not exist");
    }

    // ---- JSON ----------------------------------------------------------------------------------------

    @Test
    void jsonPipelineLoadsToTheSamePipelineAsYaml() throws IOException {
        Pipeline yaml = loader().load(write("p.yaml", """
                pipeline: same
                source:
                  files:
                    path: in
                    include: ["**/*.csv", "*.tsv"]
                    settle: 500ms
                    split_size: 64KB
                    pack: { max_files: 10 }
                steps:
                  - sql: SELECT * FROM input
                sink:
                  files:
                    path: out
                    format: csv
                    partition_by: [region]
                run:
                  parallelism: 2
                  retries: { max: 1, backoff: 100ms }
                  on_bad_record: skip
                """));
        Pipeline json = loader().load(write("p.json", """
                {
                  "pipeline": "same",
                  "source": {"files": {"path": "in", "include": ["**/*.csv", "*.tsv"], "settle": "500ms",
                             "split_size": "64KB", "pack": {"max_files": 10}}},
                  "steps": [{"sql": "SELECT * FROM input"}],
                  "sink": {"files": {"path": "out", "format": "csv", "partition_by": ["region"]}},
                  "run": {"parallelism": 2, "retries": {"max": 1, "backoff": "100ms"}, "on_bad_record": "skip"}
                }
                """));
        assertThat(json.name()).isEqualTo(yaml.name());
        assertThat(plain(json.source())).isEqualTo(plain(yaml.source()));
        assertThat(json.steps().stream().map(ValidatorTest::plain).toList())
                .isEqualTo(yaml.steps().stream().map(ValidatorTest::plain).toList());
        assertThat(plain(json.sink())).isEqualTo(plain(yaml.sink()));
        assertThat(plain(json.state())).isEqualTo(plain(yaml.state()));
        assertThat(json.run()).isEqualTo(yaml.run());
        // and the values are the ones written, not defaults
        assertThat(yaml.run().parallelism()).isEqualTo(2);
        assertThat(yaml.run().retries().max()).isEqualTo(1);
        assertThat(value(yaml.source().options(), "split_size")).isEqualTo(64L * 1024);
        assertThat(value(yaml.source().options(), "pack", "max_files")).isEqualTo(10L);
    }

    @Test
    void jsonErrorsPointIntoTheJsonFile() throws IOException {
        Path file = write("p.json", """
                {
                  "pipeline": "demo",
                  "source": {"files": {"path": "in"}},
                  "sink": {"files": {"path": "out", "format": "parqet"}}
                }
                """);
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> loader().load(file));
        ConfigProblem p = only(e.problems());
        assertThat(p.location().file()).endsWith("p.json");
        assertThat(p.location().line()).isEqualTo(4);
        assertThat(p.path()).isEqualTo("sink.files.format");
    }

    /** A component block as plain values, without the locations (which differ between the two files). */
    private static Object plain(Options.Selected s) {
        return List.of(s.kind(), s.path(), plainValue(s.value()));
    }

    private static Object plainValue(Object v) {
        if (v instanceof Options o) {
            Map<String, Object> m = new LinkedHashMap<>();
            o.values().forEach((k, x) -> m.put(k, plainValue(x)));
            return m;
        }
        if (v instanceof Options.Selected s) return plain(s);
        if (v instanceof List<?> l)
            return l.stream().map(ValidatorTest::plainValue).toList();
        return v;
    }

    // ---- durations and sizes -------------------------------------------------------------------------

    @Test
    void durationsParse() {
        assertThat(Validator.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Validator.parseDuration("5s")).isEqualTo(Duration.ofSeconds(5));
        assertThat(Validator.parseDuration("10m")).isEqualTo(Duration.ofMinutes(10));
        assertThat(Validator.parseDuration("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(Validator.parseDuration("1d")).isEqualTo(Duration.ofDays(1));
        assertThat(Validator.parseDuration(" 3 s ")).isEqualTo(Duration.ofSeconds(3));
        assertThat(Validator.parseDuration("5")).isNull();
        assertThat(Validator.parseDuration("5 parsecs")).isNull();
        assertThat(Validator.parseDuration("-5s")).isNull();
    }

    @Test
    void sizesParse() {
        assertThat(Validator.parseSize("123")).isEqualTo(123L);
        assertThat(Validator.parseSize("64KB")).isEqualTo(64L * 1024);
        assertThat(Validator.parseSize("128MB")).isEqualTo(128L << 20);
        assertThat(Validator.parseSize("2GB")).isEqualTo(2L << 30);
        assertThat(Validator.parseSize("1TB")).isEqualTo(1L << 40);
        assertThat(Validator.parseSize("64kb")).isEqualTo(64L * 1024);
        assertThat(Validator.parseSize("4MiB")).isEqualTo(4L << 20);
        assertThat(Validator.parseSize("10B")).isEqualTo(10L);
        assertThat(Validator.parseSize("lots")).isNull();
        assertThat(Validator.parseSize("1.5GB")).isNull();
    }

    @Test
    void aHugeSizeIsRejectedNotWrappedAround() {
        // 2^24 TB overflows a long once shifted by 40: it must not turn into a small or negative size
        Long parsed = Validator.parseSize("16777216TB");
        assertThat(parsed == null || parsed > 0).as("parsed: " + parsed).isTrue();
        assertThat(Validator.parseSize("99999999999999999999")).isNull();
    }

    @Test
    void aHugeDurationIsRejectedNotThrown() {
        assertThat(Validator.parseDuration("99999999999999999999s")).isNull();
        assertThat(Validator.parseDuration("200000000000000d")).isNull();
    }

    @Test
    void durationsAndSizesInAPipeline() throws IOException {
        Pipeline p = load("""
                pipeline: demo
                source:
                  files:
                    path: in
                    settle: 750ms
                    split_size: 2MB
                    pack: { max_bytes: 512KB }
                sink:
                  files: { path: out }
                run:
                  interval: 2m
                  lease: 90s
                  retries: { max: 5, backoff: 100ms, max_backoff: 1h }
                """);
        Options source = p.source().options();
        assertThat(value(source, "settle")).isEqualTo(Duration.ofMillis(750));
        assertThat(value(source, "split_size")).isEqualTo(2L << 20);
        assertThat(value(source, "pack", "max_bytes")).isEqualTo(512L << 10);
        assertThat(value(source, "pack", "max_files"))
                .as("default kept beside a written option")
                .isEqualTo(1000L);
        RunOptions run = p.run();
        assertThat(run.interval()).isEqualTo(Duration.ofMinutes(2));
        assertThat(run.lease()).isEqualTo(Duration.ofSeconds(90));
        assertThat(run.retries().max()).isEqualTo(5);
        assertThat(run.retries().backoff()).isEqualTo(Duration.ofMillis(100));
        assertThat(run.retries().maxBackoff()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void badDurationAndSizeNameTheirOptionAndTheExpectedForm() throws IOException {
        List<ConfigProblem> ps = problems("""
                pipeline: demo
                source:
                  files:
                    path: in
                    settle: soon
                    split_size: big
                sink:
                  files: { path: out }
                """);
        assertThat(ps)
                .extracting(ConfigProblem::path)
                .containsExactlyInAnyOrder("source.files.settle", "source.files.split_size");
        assertThat(ps)
                .filteredOn(p -> p.path().endsWith("settle"))
                .singleElement()
                .satisfies(p -> assertThat(p.message()).contains("duration").contains("5s"));
        assertThat(ps)
                .filteredOn(p -> p.path().endsWith("split_size"))
                .singleElement()
                .satisfies(p -> assertThat(p.message()).contains("size").contains("MB"));
    }

    @Test
    void defaultsWhenOmitted() throws IOException {
        Pipeline p = load(pipeline("", ""));
        assertThat(p.run().mode()).isEqualTo(RunOptions.Mode.ONCE);
        assertThat(p.run().parallelism()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(p.run().retries().max()).isEqualTo(3);
        assertThat(value(p.source().options(), "settle")).isEqualTo(Duration.ofSeconds(2));
        assertThat(value(p.source().options(), "split_size")).isEqualTo(128L << 20);
        assertThat(value(p.sink().options(), "format")).isEqualTo("parquet");
        assertThat(p.state().kind()).isEqualTo("sqlite");
        assertThat(p.state().value())
                .isEqualTo(dir.toAbsolutePath().resolve(".sluice").resolve("demo.db"));
    }

    // ---- several problems at once --------------------------------------------------------------------

    @Test
    void severalProblemsAreReportedTogether() throws IOException {
        List<ConfigProblem> ps = problems("""
                pipeline: demo
                source:
                  files:
                    path: in
                    formt: csv
                sink:
                  files:
                    path: out
                    format: parqet
                run:
                  parallelism: many
                  on_bad_record: ignore
                  lease: ${LEASE}
                """);
        assertThat(ps)
                .extracting(ConfigProblem::path)
                .containsExactly(
                        "source.files.formt", "sink.files.format", "run.parallelism", "run.on_bad_record", "run.lease");
        assertThat(ps).extracting(p -> p.location().line()).containsExactly(5, 9, 11, 12, 13);
        assertThat(ps.get(3).message()).contains("fail | skip | dead_letter");
    }

    @Test
    void leaseBelowOneSecondIsRejectedWithItsLocation() throws IOException {
        ConfigProblem p = only(problems(pipeline("run:\n  lease: 500ms\n", "")));
        assertThat(p.path()).isEqualTo("run.lease");
        assertThat(p.location().line()).isEqualTo(10);
        assertThat(p.message()).contains("at least 1s");
    }

    @Test
    void aScheduleInItsTimeZone() throws IOException {
        RunOptions run = load(pipeline(
                        "run:\n  mode: watch\n  schedule: \"0 2 * * 1-5\"\n  time_zone: Europe/Paris\n", ""))
                .run();
        var s = run.schedule().orElseThrow();
        assertThat(s.expression()).isEqualTo("0 2 * * 1-5");
        assertThat(s.zone()).isEqualTo(java.time.ZoneId.of("Europe/Paris"));
        assertThat(s.next(java.time.Instant.parse("2026-12-04T12:00:00Z")))
                .as("Friday noon: next Monday 02:00 in Paris")
                .isEqualTo(java.time.Instant.parse("2026-12-07T01:00:00Z"));
        assertThat(load(pipeline("run:\n  schedule: \"@daily\"\n", ""))
                        .run()
                        .schedule()
                        .orElseThrow()
                        .zone())
                .as("UTC unless told: the same on every machine and in the CronJob")
                .isEqualTo(java.time.ZoneId.of("UTC"));
        assertThat(load(pipeline("", "")).run().schedule()).isEmpty();
    }

    @Test
    void aBadScheduleNamesTheOptionTheFieldAndWhatIsAllowed() throws IOException {
        ConfigProblem p = only(problems(pipeline("run:\n  schedule: \"0 25 * * *\"\n", "")));
        assertThat(p.path()).isEqualTo("run.schedule");
        assertThat(p.location().line()).isEqualTo(10);
        assertThat(p.message())
                .contains("`0 25 * * *` is not a cron schedule")
                .contains("the hour field (2nd) `25` is outside 0-23")
                .contains("minute 0-59, hour 0-23");
        ConfigProblem zone = only(problems(pipeline("run:\n  schedule: \"0 2 * * *\"\n  time_zone: Paris\n", "")));
        assertThat(zone.path()).isEqualTo("run.time_zone");
        assertThat(zone.message()).contains("`Paris` is not a time zone").contains("Europe/Paris");
        ConfigProblem alone = only(problems(pipeline("run:\n  time_zone: UTC\n", "")));
        assertThat(alone.path()).isEqualTo("run.time_zone");
        assertThat(alone.message()).contains("run.schedule is not");
    }

    @Test
    void theExceptionMessageListsEveryProblemOnItsOwnLine() throws IOException {
        Path file = write("p.yaml", pipeline("run:\n  parallelism: many\n", "    formt: csv\n"));
        assertThatThrownBy(() -> loader().load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file.toAbsolutePath() + ":9:5: sink.files.formt: unknown option")
                .hasMessageContaining(file.toAbsolutePath() + ":11:16: run.parallelism: ")
                .satisfies(e -> assertThat(e.getMessage().lines()).hasSize(2));
    }

    /** A validated value by its path of option names (the typed fields are private to their components). */
    private static Object value(Options o, String... names) {
        Object v = o;
        for (String name : names) v = ((Options) v).values().get(name);
        return v;
    }

    /** The one problem of a pipeline whose steps are {@code lines} (written as under {@code steps:}), at line 6. */
    private ConfigProblem stepsProblemAtLine6(String... lines) throws IOException {
        ConfigProblem p = only(problems("pipeline: demo\nsource:\n  files: { path: in }\nsteps:\n"
                + String.join("\n", lines) + "\nsink:\n  files: { path: out }\n"));
        assertThat(p.location().line()).isEqualTo(6);
        return p;
    }
}
