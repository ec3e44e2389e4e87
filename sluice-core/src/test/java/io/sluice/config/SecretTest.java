package io.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link Type#SECRET} and {@link Type#SECRET_URL} options: resolved from {@code ${ENV}} or {@code ${file:...}},
 * read only through {@link Secret#reveal()}, shown as the reference or masked everywhere else.
 */
class SecretTest {
    private static final Field<Secret> PASSWORD = Field.computed("password", Type.SECRET, "none", "A password.");
    private static final Field<Secret> URL = Field.computed("url", Type.SECRET_URL, "none", "A url.");
    private static final Field<String> NAME = Field.computed("name", Type.STRING, "none", "Not a secret.");
    private static final Type.Obj BLOCK = Type.Obj.of("A block.", PASSWORD, URL, NAME);

    @TempDir
    Path dir;

    private Validator validator;

    private Options validate(String yaml, Map<String, String> env) {
        validator = new Validator(dir, env::get);
        return validator.validate(YamlReader.parse("p.yaml", yaml), BLOCK);
    }

    @Test
    void aSecretFromTheEnvironmentIsShownAsItsReferenceAndReadOnlyByReveal() throws Exception {
        Options o = validate("password: ${DW_PASSWORD}\n", Map.of("DW_PASSWORD", "hunter2-very-secret"));

        Secret s = o.get(PASSWORD);
        assertThat(s.reveal()).isEqualTo("hunter2-very-secret");
        assertThat(s.toString()).isEqualTo("${DW_PASSWORD}");
        assertThat(new ObjectMapper().writeValueAsString(Map.of("password", s)))
                .isEqualTo("{\"password\":\"${DW_PASSWORD}\"}");
        assertThat(String.valueOf(o.values())).doesNotContain("hunter2");
        assertThat(validator.warnings()).isEmpty();
    }

    @Test
    void aSecretFromAFileLosesItsLastLineEnd() throws Exception {
        Files.writeString(dir.resolve("pg.secret"), "from-a-file-secret\n");
        Options o = validate("password: ${file:pg.secret}\n", Map.of());

        assertThat(o.get(PASSWORD).reveal()).isEqualTo("from-a-file-secret");
        assertThat(o.get(PASSWORD)).hasToString("${file:pg.secret}");
    }

    @Test
    void aMissingSecretFileIsNamedWithWhatToDo() {
        ConfigException e = catchThrowableOfType(
                ConfigException.class, () -> validate("password: ${file:/no/such/secret}\n", Map.of()));

        assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.path()).isEqualTo("password");
            assertThat(p.message()).contains("/no/such/secret").contains("does not exist");
        });
    }

    @Test
    void aLiteralSecretWorksButIsWarnedAboutAndMasked() {
        Options o = validate("password: plain-literal-secret\n", Map.of());

        assertThat(o.get(PASSWORD).reveal()).isEqualTo("plain-literal-secret");
        assertThat(o.get(PASSWORD)).hasToString("***");
        assertThat(validator.warnings()).singleElement().satisfies(w -> {
            assertThat(w.path()).isEqualTo("password");
            assertThat(w.message()).contains("${ENV_VAR}").doesNotContain("plain-literal-secret");
        });
    }

    @Test
    void aUrlIsShownWithItsPasswordMasked() {
        Options o = validate("url: ${REDIS_URL}\n", Map.of("REDIS_URL", "redis://app:url-secret@cache:6379/2"));

        assertThat(o.get(URL).reveal()).isEqualTo("redis://app:url-secret@cache:6379/2");
        assertThat(o.get(URL)).hasToString("redis://app:***@cache:6379/2");
        assertThat(validator.warnings()).isEmpty();
    }

    @Test
    void aUrlWithAReferenceForItsPasswordIsNotWarnedAbout() {
        validate(
                "url: \"jdbc:postgresql://db/x?user=u&password=${PGPASSWORD}\"\n", Map.of("PGPASSWORD", "pw-from-env"));
        assertThat(validator.warnings()).isEmpty();

        Options o = validate("url: \"jdbc:postgresql://db/x?user=u&password=literal-pw&ssl=true\"\n", Map.of());
        assertThat(o.get(URL)).hasToString("jdbc:postgresql://db/x?user=u&password=***&ssl=true");
        assertThat(validator.warnings())
                .singleElement()
                .satisfies(w -> assertThat(w.message()).doesNotContain("literal-pw"));
    }

    @Test
    void masking() {
        assertThat(Secret.maskUrl("redis://onlypassword@h:6379/0")).isEqualTo("redis://***@h:6379/0");
        assertThat(Secret.maskUrl("redis://h:6379/0")).isEqualTo("redis://h:6379/0");
        assertThat(Secret.maskUrl("https://h/x?token=abc&client_secret=def&region=eu"))
                .isEqualTo("https://h/x?token=***&client_secret=***&region=eu");
    }

    @Test
    void redactReplacesEveryValueThisProcessRead() {
        validate(
                "url: ${U}\npassword: ${P}\n",
                Map.of("U", "jdbc:postgresql://h/db?password=redact-me-1", "P", "redact-me-2"));

        assertThat(Secret.redact(
                        "Failed to get driver instance for jdbcUrl=jdbc:postgresql://h/db?password=redact-me-1"))
                .isEqualTo("Failed to get driver instance for jdbcUrl=jdbc:postgresql://h/db?password=***");
        assertThat(Secret.redact("auth with redact-me-2 failed; the url's redact-me-1 too"))
                .isEqualTo("auth with ${P} failed; the url's *** too");
    }

    @Test
    void aPasswordThatIsAWordIsRedactedAsAWordNotInsideOthers() {
        validate("password: ${P}\n", Map.of("P", "postgres"));

        assertThat(Secret.redact("jdbc:postgresql://db/x: password postgres refused for user \"postgres\""))
                .isEqualTo("jdbc:postgresql://db/x: password ${P} refused for user \"${P}\"");
        assertThat(Secret.redact("postgres_user, xpostgres and postgres2 are other words; postgres@db is not"))
                .isEqualTo("postgres_user, xpostgres and postgres2 are other words; ${P}@db is not");
    }

    @Test
    void aPasswordWithOtherCharactersIsRedactedWhereverItAppears() {
        validate("password: ${P}\n", Map.of("P", "s3cr-t!"));

        assertThat(Secret.redact("auth xs3cr-t!x failed")).isEqualTo("auth x${P}x failed");
    }

    @Test
    void aVeryShortSecretLeavesOtherTextAlone() {
        validate("url: ${U}\npassword: ${P}\n", Map.of("U", "jdbc:postgresql://h/db?password=7", "P", "pw1"));

        assertThat(Secret.redact("rows 17 in, 7 out; pw1 and pw10 written to /data/pw1"))
                .as("a value under " + Secret.SHORTEST_REDACTED + " characters is no secret worth mangling output for")
                .isEqualTo("rows 17 in, 7 out; pw1 and pw10 written to /data/pw1");
    }

    @Test
    void anUnsetOptionalSecretIsNone() {
        Options o = validate("password: ${PW:-}\n", Map.of());
        assertThat(o.find(PASSWORD)).isEmpty();
    }

    @Test
    void aFieldIsReadOnlyFromTheBlockThatDeclaresIt() {
        Options o = validate("name: x\n", Map.of());
        Field<String> elsewhere = Field.computed("name", Type.STRING, "none", "Another block's option.");

        assertThat(o.get(NAME)).isEqualTo("x");
        assertThatThrownBy(() -> o.get(elsewhere))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not declared in this block");
        assertThat(o.get(PASSWORD)).as("declared, not written, no default").isNull();
        assertThat(List.of(o.has(URL), o.has(NAME))).containsExactly(false, true);
    }
}
