package io.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code connection: NAME} in a pipeline: the name resolves to the settings of {@code connections.yaml} beside the
 * pipeline (or the file given), secrets from the environment or a file and never shown, and every mistake reported
 * at the option that names the connection, with the connections file's own line.
 */
class ConnectionsTest {
    private static final Field<Connection> CONNECTION = Field.required("connection", Type.CONNECTION, "the database");
    private static final Type.Obj SINK = Type.Obj.of("a sink", CONNECTION);

    @TempDir
    Path dir;

    private final Map<String, String> env = new HashMap<>();

    @Test
    void aNameResolvesToItsSettingsWithSecretsFromTheEnvironmentAndFiles() throws IOException {
        Files.writeString(dir.resolve("billing.secret"), "s3cret-from-file\n");
        connections("""
                warehouse: { url: "jdbc:postgresql://db:5432/dw", user: etl, password: "${DW_PASSWORD}", pool_size: 2,
                             properties: { sslmode: require } }
                billing:   { url: "jdbc:mariadb://billing:3306/cur", user: reader, password: "${file:billing.secret}" }
                """);
        env.put("DW_PASSWORD", "pw-from-env");

        Connection dw = resolve("warehouse");
        assertThat(dw.url().reveal()).isEqualTo("jdbc:postgresql://db:5432/dw");
        assertThat(dw.user()).isEqualTo("etl");
        assertThat(dw.password().reveal()).isEqualTo("pw-from-env");
        assertThat(dw.password().toString()).isEqualTo("${DW_PASSWORD}");
        assertThat(dw.poolSize()).isEqualTo(2);
        assertThat(dw.jdbcProperties())
                .containsEntry("sslmode", "require")
                .containsEntry("user", "etl")
                .containsEntry("password", "pw-from-env");
        assertThat(dw.describe()).doesNotContain("pw-from-env").contains("warehouse");

        Connection billing = resolve("billing");
        assertThat(billing.password().reveal()).isEqualTo("s3cret-from-file");
        assertThat(billing.poolSize()).isEqualTo(4);
    }

    @Test
    void anUnknownNameSaysWhatTheFileNamesAndWhatWasMeant() throws IOException {
        connections("""
                warehouse: { url: "jdbc:postgresql://db:5432/dw" }
                billing: { url: "jdbc:mariadb://billing:3306/cur" }
                """);
        assertThatThrownBy(() -> resolve("warehuose"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("p.yaml:1")
                .hasMessageContaining("connection: no connection 'warehuose' in " + dir.resolve("connections.yaml"))
                .hasMessageContaining("did you mean 'warehouse'?")
                .hasMessageContaining("it names: warehouse, billing");
    }

    @Test
    void withoutAFileTheMessageSaysWhereOneWasLookedForAndHowToWriteIt() {
        assertThatThrownBy(() -> resolve("warehouse"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("no connections file at " + dir.resolve("connections.yaml"))
                .hasMessageContaining("--connections FILE");
    }

    @Test
    void aBadConnectionIsReportedAtTheOptionWithItsOwnLineAndOnlyWhenUsed() throws IOException {
        connections("""
                good: { url: "jdbc:postgresql://db:5432/dw", password: "${SET}" }
                unset: { url: "jdbc:postgresql://db:5432/dw", password: "${NOT_SET_HERE}" }
                broken: { user: etl, pool_size: 0 }
                """);
        env.put("SET", "set-password");
        assertThat(resolve("good").password().reveal())
                .isEqualTo("set-password"); // the unset variable of another one is no matter

        assertThatThrownBy(() -> resolve("unset"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("connection 'unset' is not valid")
                .hasMessageContaining("connections.yaml:2")
                .hasMessageContaining("environment variable NOT_SET_HERE is not set");
        assertThatThrownBy(() -> resolve("broken"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("connections.yaml:3")
                .hasMessageContaining("broken.url: missing required option")
                .hasMessageContaining("broken.pool_size");
    }

    /**
     * A password given as a driver property ({@code sslpassword}, {@code keyStorePassword}) is a secret as much as
     * {@code password}: what Sluice prints masks its value, as a driver's error quoting it would otherwise show it.
     */
    @Test
    void aPasswordAmongTheDriverPropertiesIsMaskedInWhatIsPrinted() throws IOException {
        connections("""
                dw: { url: "jdbc:postgresql://db:5432/dw", properties: { sslmode: verify-full, sslpassword: "${KEY_PW}", keyStorePassword: "${KS_PW}" } }
                """);
        env.put("KEY_PW", "key-pw-in-a-property");
        env.put("KS_PW", "store-pw-in-a-property");
        assertThat(resolve("dw").jdbcProperties()).containsEntry("sslpassword", "key-pw-in-a-property");
        assertThat(Secret.redact("cannot read the key with key-pw-in-a-property, store store-pw-in-a-property"))
                .isEqualTo("cannot read the key with ***, store ***");
        assertThat(Secret.redact("sslmode verify-full")).isEqualTo("sslmode verify-full");
    }

    /**
     * A password written as its value in the connections file is warned about by the pipelines that use the
     * connection, at its line in that file and naming the file, never with the value; a connection the pipeline does
     * not use is not its warning.
     */
    @Test
    void aLiteralPasswordInAUsedConnectionIsThePipelinesWarningAtItsLineInTheConnectionsFile() throws IOException {
        connections("""
                dw: { url: "jdbc:postgresql://db:5432/dw", user: etl, password: hunter2 }
                key: { url: "jdbc:postgresql://db:5432/dw", properties: { sslpassword: keyhunter2 } }
                other: { url: "jdbc:postgresql://db:5432/dw", password: unused-literal }
                """);

        ConfigNode pipeline = YamlReader.parse(dir.resolve("p.yaml").toString(), "connection: dw\n");
        Validator v = new Validator(dir, env::get, Connections.find(dir, null, env::get));
        v.validate(pipeline, SINK);

        assertThat(v.warnings()).hasSize(1);
        ConfigProblem w = v.warnings().getFirst();
        assertThat(Validator.isLiteralSecret(w)).isTrue();
        assertThat(w.toString())
                .startsWith(dir.resolve("connections.yaml") + ":1:")
                .contains("dw.password: a secret written in the connections file: anyone who can read the file")
                .doesNotContain("hunter2")
                .doesNotContain("pipeline file");

        assertThat(Connections.find(dir, null, env::get).warnings("key"))
                .singleElement()
                .hasToString(dir.resolve("connections.yaml") + ":2:72: key.properties.sslpassword: a secret "
                        + "written in the connections file" + Validator.LITERAL_SECRET);
    }

    @Test
    void anExplicitFileMustExistAndMustMapNamesToSettings() throws IOException {
        assertThatThrownBy(() -> Connections.find(dir, dir.resolve("nope.yaml"), env::get))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("nope.yaml")
                .hasMessageContaining("--connections");
        Path list = dir.resolve("list.yaml");
        Files.writeString(list, "- warehouse\n");
        assertThatThrownBy(() -> Connections.find(dir, list, env::get))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("expected a map of connection names to their settings");
    }

    private void connections(String yaml) throws IOException {
        Files.writeString(dir.resolve("connections.yaml"), yaml);
    }

    private Connection resolve(String name) {
        ConfigNode pipeline = YamlReader.parse(dir.resolve("p.yaml").toString(), "connection: " + name + "\n");
        Validator v = new Validator(dir, env::get, Connections.find(dir, null, env::get));
        return v.validate(pipeline, SINK).get(CONNECTION);
    }
}
