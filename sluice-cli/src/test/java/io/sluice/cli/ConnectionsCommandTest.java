package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.runner.RunSummary;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice connections list|test} against a real PostgreSQL server that checks passwords (SCRAM), as a user's
 * database does: what works, what does not and why, and never a password in what is printed.
 */
class ConnectionsCommandTest {
    private static final String PASSWORD = "etl-pw-" + UUID.randomUUID();
    private static EmbeddedPostgres server;

    @TempDir
    static Path serverDir;

    @TempDir
    Path dir;

    @BeforeAll
    static void aServerThatChecksPasswords() throws Exception {
        Path hba = serverDir.resolve("pg_hba.conf");
        // the superuser keeps trust (the embedded server's own start-up check logs in as it); everyone else needs a
        // password
        Files.writeString(hba, """
                local all all trust
                host all postgres 127.0.0.1/32 trust
                host all postgres ::1/128 trust
                host all all 127.0.0.1/32 scram-sha-256
                host all all ::1/128 scram-sha-256
                """);
        server = EmbeddedPostgres.builder()
                .setServerConfig("fsync", "off")
                .setServerConfig("hba_file", hba.toString())
                .start();
        try (Connection c = server.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE ROLE etl LOGIN PASSWORD '" + PASSWORD + "'");
        }
    }

    @AfterAll
    static void stop() throws IOException {
        server.close();
    }

    private Path connections() throws IOException {
        Path file = dir.resolve("conf/connections.yaml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, """
                warehouse: { url: "jdbc:postgresql://127.0.0.1:%1$d/postgres", user: etl, password: "${file:right.pw}" }
                wrong_pw:  { url: "jdbc:postgresql://127.0.0.1:%1$d/postgres", user: etl, password: "${file:wrong.pw}" }
                nowhere:   { url: "jdbc:postgresql://127.0.0.1:%2$d/postgres", user: etl }
                no_db:     { url: "jdbc:postgresql://127.0.0.1:%1$d/missing_db", user: etl, password: "${file:right.pw}" }
                """.formatted(server.getPort(), closedPort()));
        Files.writeString(file.resolveSibling("right.pw"), PASSWORD);
        Files.writeString(file.resolveSibling("wrong.pw"), "not-" + PASSWORD);
        return file;
    }

    @Test
    void testSaysWhichConnectionsWorkAndWhyTheOthersDoNot() throws IOException {
        Path file = connections();

        CliRun ok = CliRun.sluice("connections", "test", "warehouse", "--connections", file.toString());
        assertThat(ok.code()).as(ok.toString()).isZero();
        assertThat(ok.out()).contains("warehouse: ok (PostgreSQL 17.").contains("as etl");

        CliRun all = CliRun.sluice("connections", "test", "--connections", file.toString(), "--timeout", "5");
        assertThat(all.code()).as(all.toString()).isEqualTo(RunSummary.SOME_DEAD);
        assertThat(all.out())
                .contains("warehouse: ok")
                .contains("wrong_pw: failed: the server refused the login of user etl: check the user and the "
                        + "password (it comes from wrong_pw.password (written ${file:wrong.pw}))")
                .contains("nowhere: failed: cannot reach the server of jdbc:postgresql://127.0.0.1:")
                .contains("no_db: failed: the database named in jdbc:postgresql://127.0.0.1:")
                .contains("does not exist");
        assertThat(all.all()).doesNotContain(PASSWORD);

        CliRun unknown = CliRun.sluice("connections", "test", "warehuose", "--connections", file.toString());
        assertThat(unknown.code()).isEqualTo(RunSummary.SOME_DEAD);
        assertThat(unknown.out()).contains("no connection 'warehuose'").contains("did you mean 'warehouse'?");
    }

    /**
     * The server (without SSL) refusing {@code sslmode=require} is a setting, named where it is written, not a server
     * to reach; a refused password given in the url or the driver properties is named there, not "none is set".
     */
    @Test
    void sslRefusedAndPasswordsFromTheUrlOrPropertiesAreNamedWhereTheyAreWritten() throws IOException {
        Path file = Files.writeString(dir.resolve("connections.yaml"), """
                ssl_url:   { url: "jdbc:postgresql://127.0.0.1:%1$d/postgres?sslmode=require", user: etl, password: "${file:pw}" }
                ssl_props: { url: "jdbc:postgresql://127.0.0.1:%1$d/postgres", user: etl, password: "${file:pw}", properties: { sslmode: require } }
                pw_url:    { url: "jdbc:postgresql://127.0.0.1:%1$d/postgres?user=etl&password=wrong-in-url" }
                pw_props:  { url: "jdbc:postgresql://127.0.0.1:%1$d/postgres", user: etl, properties: { password: "${file:wrong.pw}" } }
                """.formatted(server.getPort()));
        Files.writeString(dir.resolve("pw"), PASSWORD);
        Files.writeString(dir.resolve("wrong.pw"), "not-" + PASSWORD);

        CliRun all = CliRun.sluice("connections", "test", "--connections", file.toString(), "--timeout", "5");

        assertThat(all.code()).as(all.toString()).isEqualTo(RunSummary.SOME_DEAD);
        assertThat(all.out())
                .contains("ssl_url: failed: the server does not accept SSL, which the connection asks for: set "
                        + "sslmode to prefer or disable in the `sslmode` parameter of ssl_url.url")
                .contains("ssl_props: failed: the server does not accept SSL, which the connection asks for: set "
                        + "sslmode to prefer or disable in ssl_props.properties.sslmode")
                .contains("pw_url: failed: the server refused the login of the url's user: check the user and the "
                        + "password (it comes from pw_url.url (its `password` parameter))")
                .contains("pw_props: failed: the server refused the login of user etl: check the user and the "
                        + "password (it comes from pw_props.properties.password)")
                .doesNotContain("cannot reach")
                .doesNotContain("none is set");
        assertThat(all.all()).doesNotContain(PASSWORD).doesNotContain("wrong-in-url");
    }

    @Test
    void aDatabaseWithoutUsersIsTestedWithoutAUser() throws IOException {
        Path file = Files.writeString(
                dir.resolve("connections.yaml"), "local: { url: \"jdbc:sqlite:" + dir.resolve("local.db") + "\" }\n");

        CliRun ok = CliRun.sluice("connections", "test", "--connections", file.toString());

        assertThat(ok.code()).as(ok.toString()).isZero();
        assertThat(ok.out())
                .containsPattern("local: ok \\(SQLite \\S+, \\d+ ms\\)")
                .doesNotContain(" as ");
    }

    @Test
    void listShowsEachConnectionWithoutItsSecretsAndConnectsToNothing() throws IOException {
        Path file = connections();
        Files.writeString(
                file,
                Files.readString(file) + "url_pw: { url: \"jdbc:postgresql://h/db?password=" + PASSWORD + "\" }\n");

        CliRun list = CliRun.sluice("connections", "list", "--connections", file.toString());
        assertThat(list.code()).as(list.toString()).isZero();
        assertThat(list.out())
                .contains("warehouse")
                .contains("jdbc:postgresql://127.0.0.1:" + server.getPort() + "/postgres as etl, pool 4")
                .contains("url_pw")
                .contains("password=***");
        assertThat(list.all()).doesNotContain(PASSWORD);
    }

    /** docs/connections.md: a literal password works, and every command that reads it warns, naming its line. */
    @Test
    void aLiteralPasswordIsWarnedAboutByListAndByThePipelineThatUsesIt() throws Exception {
        try (Connection c = server.getPostgresDatabase().getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS literal_pw_orders (id int PRIMARY KEY)");
            s.execute("GRANT SELECT ON literal_pw_orders TO etl");
        }
        Path file = Files.writeString(dir.resolve("connections.yaml"), """
                dw: { url: "jdbc:postgresql://127.0.0.1:%d/postgres", user: etl, password: %s }
                """.formatted(server.getPort(), PASSWORD));
        Files.writeString(dir.resolve("p.yaml"), """
                pipeline: p
                source: { jdbc: { connection: dw, table: literal_pw_orders } }
                sink: { files: { path: out, format: csv } }
                """);

        CliRun list = CliRun.sluice("connections", "list", "--connections", file.toString());
        assertThat(list.code()).as(list.toString()).isZero();
        assertThat(list.out())
                .contains("dw               jdbc:postgresql://127.0.0.1:" + server.getPort() + "/postgres as etl")
                .contains("      warning: " + file + ":1:")
                .contains("dw.password: a secret written in the connections file");

        CliRun validate = CliRun.sluice("validate", dir.resolve("p.yaml").toString());
        assertThat(validate.code()).as(validate.toString()).isZero();
        assertThat(validate.err())
                .contains("sluice: warning: " + file + ":1:")
                .contains("dw.password: a secret written in the connections file: anyone who can read the file");
        assertThat(list.all() + validate.all()).doesNotContain(PASSWORD);
    }

    @Test
    void aMissingOrEmptyFileIsAnInvalidInvocationThatSaysWhatToWrite() throws IOException {
        CliRun missing = CliRun.sluice(
                "connections", "list", "--connections", dir.resolve("nope.yaml").toString());
        assertThat(missing.code()).isEqualTo(RunSummary.INVALID);
        assertThat(missing.err()).contains("nope.yaml").contains("the connections file does not exist");

        Path empty = Files.writeString(dir.resolve("empty.yaml"), "");
        CliRun none = CliRun.sluice("connections", "test", "--connections", empty.toString());
        assertThat(none.code()).isEqualTo(RunSummary.INVALID);
        assertThat(none.err()).contains("names no connection").contains("warehouse: { url:");
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
