package io.sluice.cli;

import io.sluice.config.ConfigException;
import io.sluice.runner.RunSummary;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code sluice} command. */
@Command(
        name = "sluice",
        mixinStandardHelpOptions = true,
        versionProvider = BuildInfo.class,
        description = "Declarative, exactly-once data pipelines.%n",
        footer = {
            "%nExamples:",
            "  sluice init demo                  # a starter pipeline with sample input",
            "  sluice run demo/pipeline.yaml     # process it, exactly once",
            "  sluice status demo/pipeline.yaml",
            "  sluice run --help                 # every command answers --help and -h",
            "%nExit codes: 0 all done, 1 some splits dead, 2 invalid pipeline or arguments, 3 interrupted "
                    + "(a watch run or a worker stopped by SIGTERM or Ctrl-C exits 0)."
        })
public final class Main implements Runnable {
    /**
     * The commands, in the order help lists them. Not in {@code @Command(subcommands)}: picocli reflects over every
     * command's options at each start, 0.2 s of every process (a Job's pod, a worker, a test's child), so a start that
     * names one command builds that one alone (see {@link #commandLineFor}).
     */
    private static final List<Class<?>> COMMANDS = List.of(
            InitCommand.class,
            RunCommand.class,
            WorkerCommand.class,
            ValidateCommand.class,
            PlanCommand.class,
            HeadCommand.class,
            StatusCommand.class,
            RetryCommand.class,
            BackfillCommand.class,
            ResetCommand.class,
            DocsCommand.class,
            FetchCommand.class,
            CompletionCommand.class,
            K8sCommand.class,
            ConnectionsCommand.class,
            io.sluice.focus.cli.FocusCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.setErr(Redacting.stream(System.err)); // the libraries' log lines
        System.exit(execute(args));
    }

    /** Runs a command and returns its exit code (tests call this in-process). */
    public static int execute(String... args) {
        return execute(null, null, args);
    }

    /** Like {@link #execute(String...)}, writing to the given streams (null: standard output or error). */
    public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cli = commandLineFor(args).setCaseInsensitiveEnumValuesAllowed(true);
        // every line a command prints passes through Secret.redact
        cli.setOut(Redacting.writer(out != null ? out : cli.getOut()));
        cli.setErr(Redacting.writer(err != null ? err : cli.getErr()));
        cli.setExitCodeExceptionMapper(e -> e instanceof ConfigException ? RunSummary.INVALID : RunSummary.SOME_DEAD);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof ConfigException ce) {
                cmd.getErr().println("sluice: invalid pipeline:");
                ce.problems().forEach(p -> cmd.getErr().println("  " + p));
                return RunSummary.INVALID;
            }
            if (e instanceof UserError ue) {
                cmd.getErr().println("sluice: " + ue.getMessage());
                return ue.exitCode();
            }
            cmd.getErr().println("sluice: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            if (System.getenv("SLUICE_DEBUG") != null) e.printStackTrace(cmd.getErr());
            return RunSummary.SOME_DEAD;
        });
        cli.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("sluice: " + Mistakes.message(e));
            e.getCommandLine()
                    .getErr()
                    .println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return RunSummary.INVALID;
        });
        try {
            return cli.execute(args);
        } finally {
            // picocli's writers flush only on println: what a command print()s would be lost at System.exit
            cli.getOut().flush();
            cli.getErr().flush();
        }
    }

    /** The command with every subcommand, as help, completion and the docs list them. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        COMMANDS.forEach(cli::addSubcommand);
        return cli;
    }

    /**
     * The command for these arguments: with only the subcommand the first argument names, if it names one (and not
     * {@code completion}, which writes them all); else with all, for the root's help and its "did you mean".
     */
    static CommandLine commandLineFor(String... args) {
        if (args.length == 0) return commandLine();
        List<Class<?>> named =
                COMMANDS.stream().filter(c -> names(c).contains(args[0])).toList();
        if (named.size() != 1 || named.get(0) == CompletionCommand.class) return commandLine();
        CommandLine cli = new CommandLine(new Main());
        cli.addSubcommand(named.get(0));
        return cli;
    }

    private static List<String> names(Class<?> command) {
        Command c = command.getAnnotation(Command.class);
        return Stream.concat(Stream.of(c.name()), Arrays.stream(c.aliases())).toList();
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
