package io.sluice.cli;

import io.sluice.config.ConfigException;
import io.sluice.config.Connection;
import io.sluice.config.Connections;
import io.sluice.runner.RunSummary;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice connections list|test}: the named connections of a connections file, and whether they work. */
@Command(
        name = "connections",
        description = "The named database connections of a connections file (connections.yaml), which pipelines and "
                + "ledgers name with `connection: NAME`.",
        subcommands = {ConnectionsCommand.ListConnections.class, ConnectionsCommand.Test.class},
        footer = {
            "%nExamples:",
            "  sluice connections list",
            "  sluice connections test warehouse --connections conf/connections.yaml"
        })
final class ConnectionsCommand implements Runnable {
    @Mixin
    HelpOption help;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The connections file option of both subcommands. */
    static final class FileOption {
        @Option(
                names = "--connections",
                paramLabel = "FILE",
                description = "The connections file (default: connections.yaml in the current folder).")
        Path file;

        Connections load() {
            Path f = file != null ? file : Path.of(Connections.FILE_NAME);
            Connections c;
            try {
                c = Connections.find(Path.of("").toAbsolutePath(), f, System::getenv);
            } catch (ConfigException e) {
                throw new UserError(
                        "invalid connections file:\n  "
                                + String.join(
                                        "\n  ",
                                        e.problems().stream()
                                                .map(Object::toString)
                                                .toList()),
                        RunSummary.INVALID);
            }
            if (c.names().isEmpty()) {
                throw new UserError(
                        c.file() + " names no connection; write one: `warehouse: { url: "
                                + "\"jdbc:postgresql://host:5432/db\", user: etl, password: \"${DW_PASSWORD}\" }`",
                        RunSummary.INVALID);
            }
            return c;
        }
    }

    @Command(
            name = "list",
            description =
                    "List the connections: name, url (credentials masked), user and pool size. Connects to nothing.",
            footer = {"%nExamples:", "  sluice connections list --connections conf/connections.yaml"})
    static final class ListConnections implements Callable<Integer> {
        @Mixin
        HelpOption help;

        @Mixin
        FileOption file;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Connections all = file.load();
            PrintWriter out = spec.commandLine().getOut();
            out.println(all.file() + ":");
            int invalid = 0;
            for (String name : all.names()) {
                try {
                    Connection c = all.find(name).orElseThrow();
                    out.printf(
                            "  %-16s %s%s, pool %d%n",
                            name, c.url(), c.user() == null ? "" : " as " + c.user(), c.poolSize());
                    // a password written as its value: named with its place, never shown
                    all.warnings(name).forEach(w -> out.println("      warning: " + w));
                } catch (ConfigException e) {
                    invalid++;
                    out.printf("  %-16s invalid:%n", name);
                    e.problems().forEach(p -> out.println("      " + p));
                }
            }
            return invalid == 0 ? 0 : RunSummary.INVALID;
        }
    }

    @Command(
            name = "test",
            description = "Connect with each named connection (all when none is named), run `SELECT 1`, and say what "
                    + "works and what does not. Exit 0 when all work, 1 when one does not.",
            footer = {"%nExamples:", "  sluice connections test warehouse billing"})
    static final class Test implements Callable<Integer> {
        @Mixin
        HelpOption help;

        @Mixin
        FileOption file;

        @Parameters(paramLabel = "NAME", arity = "0..*", description = "The connections to test (default: all).")
        List<String> names;

        @Option(
                names = "--timeout",
                paramLabel = "SECONDS",
                defaultValue = "10",
                description = "How long to wait for each server (default: ${DEFAULT-VALUE} s).")
        int timeoutSeconds;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Connections all = file.load();
            List<String> wanted = names == null || names.isEmpty() ? List.copyOf(all.names()) : names;
            PrintWriter out = spec.commandLine().getOut();
            DriverManager.setLoginTimeout(timeoutSeconds);
            int failed = 0;
            for (String name : wanted) {
                Connection c;
                try {
                    c = all.find(name).orElse(null);
                    if (c == null) {
                        out.println(name + ": " + all.unknown(name));
                        failed++;
                        continue;
                    }
                    all.warnings(name).forEach(w -> spec.commandLine().getErr().println("sluice: warning: " + w));
                } catch (ConfigException e) {
                    out.println(name + ": invalid in " + all.file() + ":");
                    e.problems().forEach(p -> out.println("    " + p));
                    failed++;
                    continue;
                }
                long start = System.nanoTime();
                try (java.sql.Connection db = c.connect();
                        Statement s = db.createStatement()) {
                    s.setQueryTimeout(timeoutSeconds);
                    s.execute("SELECT 1");
                    DatabaseMetaData meta = db.getMetaData();
                    // a database without users (SQLite) has no user name to show
                    String user = meta.getUserName();
                    out.printf(
                            "%s: ok (%s %s, %s%d ms)%n",
                            name,
                            meta.getDatabaseProductName(),
                            meta.getDatabaseProductVersion(),
                            user == null || user.isBlank() ? "" : "as " + user + ", ",
                            (System.nanoTime() - start) / 1_000_000);
                } catch (SQLException e) {
                    out.println(name + ": failed: " + why(c, e));
                    failed++;
                }
            }
            return failed == 0 ? 0 : RunSummary.SOME_DEAD;
        }
    }

    /** What went wrong, in the user's terms, with what to do; the driver's own words follow (redacted on output). */
    static String why(Connection c, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String said = e.getMessage() == null ? e.toString() : e.getMessage();
        String lower = said.toLowerCase(Locale.ROOT);
        if (state.isEmpty() && lower.contains("no suitable driver")) {
            return "no JDBC driver on the class path takes the url " + c.url()
                    + "; Sluice brings PostgreSQL's and MariaDB's (which also speaks to MySQL servers): check the "
                    + "url's `jdbc:postgresql:` or `jdbc:mariadb:` prefix, or put the driver's jar in lib/";
        }
        if (state.startsWith("28") || lower.contains("access denied") || lower.contains("password authentication")) {
            String from = c.passwordSetting();
            return "the server refused the login of "
                    + (c.user() == null ? "the url's user" : "user " + c.user())
                    + ": check the user and the password ("
                    + (from == null ? "none is set" : "it comes from " + from) + ") (" + said + ")";
        }
        if (io.sluice.config.JdbcDrivers.sslRefused(e)) {
            // the server answered: its refusal of SSL is a setting to change, not a server down
            return "the server does not accept SSL, which the connection asks for: set sslmode to prefer or disable "
                    + "in " + c.sslSetting() + ", or turn SSL on in the server (" + said + ")";
        }
        if (state.startsWith("08")
                || lower.contains("connection refused")
                || lower.contains("timed out")
                || lower.contains("unknown host")
                || lower.contains("could not connect")) {
            return "cannot reach the server of " + c.url()
                    + ": check the host and port, that the server runs, and that a firewall lets this machine in ("
                    + said + ")";
        }
        if (state.equals("3D000") || lower.contains("unknown database")) {
            return "the database named in " + c.url() + " does not exist: create it or fix the url (" + said + ")";
        }
        return said + (state.isEmpty() ? "" : " (SQL state " + state + ")");
    }
}
