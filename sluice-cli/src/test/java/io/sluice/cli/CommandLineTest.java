package io.sluice.cli;

import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.pipeline.Components;
import io.sluice.pipeline.ReferenceDocs;
import io.sluice.testkit.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What the command line itself tells a user: help, mistakes, the version, the reference, completion. */
class CommandLineTest {
    @TempDir
    Path dir;

    /** Every command and subcommand, found in picocli's tree: a command added later is checked too. */
    static Stream<List<String>> commands() {
        List<List<String>> all = new ArrayList<>();
        walk(new picocli.CommandLine(new Main()), List.of(), all);
        return all.stream();
    }

    private static void walk(picocli.CommandLine cmd, List<String> path, List<List<String>> all) {
        all.add(path);
        cmd.getSubcommands().forEach((name, sub) -> {
            List<String> next = new ArrayList<>(path);
            next.add(name);
            walk(sub, next, all);
        });
    }

    @ParameterizedTest(name = "sluice {0} --help")
    @MethodSource("commands")
    void everyCommandAnswersHelpWithUsageOptionsAndAnExample(List<String> path) {
        String name = String.join(
                " ", Stream.concat(Stream.of("sluice"), path.stream()).toList());
        for (String flag : List.of("--help", "-h")) {
            List<String> args = new ArrayList<>(path);
            args.add(flag);
            CliRun r = sluice(args.toArray(String[]::new));
            assertThat(r.code()).as(name + " " + flag + "\n" + r).isZero();
            assertThat(r.err()).as(name + " " + flag).isEmpty();
            assertThat(r.out())
                    .as(name + " " + flag)
                    .startsWith("Usage: " + name)
                    .contains("-h, --help");
            List<String> lines = r.out().lines().toList();
            List<String> examples = lines.stream()
                    .dropWhile(l -> !l.equals("Examples:"))
                    .skip(1)
                    .takeWhile(l -> !l.isBlank())
                    .toList();
            assertThat(examples)
                    .as(name + ": an Examples section\n" + r.out())
                    .isNotEmpty()
                    .anySatisfy(l -> assertThat(l).startsWith("  " + name + " "))
                    .allSatisfy(
                            l -> assertThat(l).as("an example fits on one line").startsWith("  "));
        }
    }

    @Test
    void aMistypedCommandOrOptionGetsTheNearestOne() {
        CliRun command = sluice("stauts", "p.yaml");
        assertThat(command.code()).isEqualTo(2);
        assertThat(command.err()).contains("unknown command 'stauts' (did you mean 'status'?)");
        CliRun option = sluice("run", "--paralelism", "2", "p.yaml");
        assertThat(option.code()).isEqualTo(2);
        assertThat(option.err())
                .contains("unknown option '--paralelism' for 'sluice run' (did you mean '--parallelism'?)")
                .doesNotContain("'p.yaml'");
        assertThat(sluice("run", "--mdoe=watch", "p.yaml").err())
                .contains("unknown option '--mdoe' for 'sluice run' (did you mean '--mode'?)");
        assertThat(sluice("focus", "valdate", "x.csv").err())
                .contains("unknown command 'valdate' (did you mean 'validate'?)");
        assertThat(sluice("frobnicate").err()).contains("unknown command 'frobnicate'; commands: init, run,");
    }

    @Test
    void versionSaysTheVersionAndTheCommitItWasBuiltFrom() throws Exception {
        CliRun r = sluice("--version").ok();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.getFirst()).matches("sluice \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
        String head = null;
        try {
            Process git = new ProcessBuilder("git", "rev-parse", "--short=12", "HEAD")
                    .directory(Path.of("..").toFile())
                    .start();
            String out = new String(git.getInputStream().readAllBytes()).strip();
            if (git.waitFor() == 0) head = out;
        } catch (java.io.IOException noGitCommand) {
            // built without git too: the version says so
        }
        if (head != null) {
            assertThat(lines.get(1))
                    .matches("commit " + head + " of \\d{4}-\\d\\d-\\d\\dT.*; built \\d{4}-\\d\\d-\\d\\dT.*");
        } else {
            assertThat(lines.get(1)).startsWith("commit unknown: built from a source tree without git history; built ");
        }
    }

    @Test
    void aBuildWithoutGitSaysSo() {
        Properties built = new Properties();
        built.setProperty("version", "1.2.3");
        built.setProperty("commit", "");
        built.setProperty("commit.time", "");
        built.setProperty("changed", "129");
        built.setProperty("built", "2026-12-01T10:00:00Z");
        assertThat(BuildInfo.lines(built))
                .startsWith(
                        "sluice 1.2.3",
                        "commit unknown: built from a source tree without git history; built 2026-12-01T10:00:00Z");
        built.setProperty("commit", "0123456789ab");
        built.setProperty("commit.time", "2026-11-30T09:00:00+00:00");
        built.setProperty("changed", "1");
        assertThat(BuildInfo.lines(built).get(1))
                .isEqualTo(
                        "commit 0123456789ab of 2026-11-30T09:00:00+00:00, with uncommitted changes; built 2026-12-01T10:00:00Z");
    }

    /** In a process of its own, as a user runs it: the reference reaches standard output before the JVM exits. */
    @Test
    void docsPrintsTheReference() throws Exception {
        Path log = dir.resolve("docs.out");
        Process p = ChildJvm.start(log, "io.sluice.cli.Main", "docs");
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(Files.readString(log)).contains(ReferenceDocs.render(Components.discover()));
        Path file = dir.resolve("reference.md");
        sluice("docs", "--out", file.toString()).ok();
        assertThat(Files.readString(file)).isEqualTo(ReferenceDocs.render(Components.discover()));
    }

    /** The script bash runs: asked to complete "sluice sta" and "sluice run --par", it offers status and --parallelism. */
    @Test
    void completionCompletesCommandsAndOptionsInBash() throws Exception {
        Path script = dir.resolve("sluice-completion.bash");
        Files.writeString(script, sluice("completion").ok().out());
        String complete = """
                source "$1"
                ask() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
                        _complete_sluice 2>/dev/null; echo "${COMPREPLY[*]}"; }
                ask sluice sta
                ask sluice run --par
                ask sluice focus ma
                """;
        Process bash = new ProcessBuilder("bash", "-c", complete, "bash", script.toString())
                .redirectErrorStream(true)
                .start();
        List<String> answers =
                new String(bash.getInputStream().readAllBytes()).lines().toList();
        assertThat(bash.waitFor()).isZero();
        assertThat(answers).containsExactly("status", "--parallelism", "mapping");
    }
}
