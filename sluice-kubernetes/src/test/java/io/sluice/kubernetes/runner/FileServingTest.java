package io.sluice.kubernetes.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.ConfigException;
import io.sluice.config.Options;
import io.sluice.kubernetes.files.FileServer;
import io.sluice.kubernetes.files.SigningKey;
import io.sluice.pipeline.Components;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run.kubernetes.file_server} read against its pipeline, as the runner is created: where the pods' copy of the
 * source's folder goes, and the errors that name the option when the pipeline cannot be served.
 */
class FileServingTest {
    @TempDir
    Path dir;

    private Optional<FileServing> serving(String source, String kubernetes) throws Exception {
        Files.createDirectories(dir.resolve("in"));
        Path file = Files.writeString(dir.resolve("served.yaml"), """
                pipeline: served
                source: { files: %s }
                sink: { files: { path: out } }
                run:
                  runner: kubernetes
                  kubernetes:
                    image: sluice:test
                    namespace: test
                %s""".formatted(source, kubernetes.indent(4)));
        Pipeline p = new PipelineLoader(Components.discover(), Map.of("TLS_PASSWORD", "not-printed")::get).load(file);
        return FileServing.of((Options) p.run().runner().orElseThrow().value(), p.file(), p.source());
    }

    @Test
    void thePodsCopyIsWhereThePodResolvesTheSourcesRelativePath() throws Exception {
        FileServing f = serving("{ path: in }", """
                        pipeline_file: /etc/sluice/pipeline.yaml
                        file_server: { url_lifetime: 2h }
                        """).orElseThrow();
        assertThat(f.root()).isEqualTo(dir.resolve("in").toAbsolutePath().normalize());
        assertThat(f.podFolder()).isEqualTo("/etc/sluice/in");
        assertThat(f.port()).isEqualTo(8443);
        assertThat(f.urlLifetime()).hasHours(2);
        assertThat(f.keyFile()).isEmpty();
        // without pipeline_file the pods read the pipeline where the controller does, and so the folder
        assertThat(serving("{ path: in }", "file_server: {}").orElseThrow().podFolder())
                .isEqualTo(dir.resolve("in").toAbsolutePath().normalize().toString());
        assertThat(serving("{ path: in }", "max_active: 2")).isEmpty();
    }

    /**
     * The init container's arguments: a signed URL per file, the folder, the certificate to trust, for a split of any
     * size (whether its Job fits is measured on the whole Job: ExecImageJobTest).
     */
    @Test
    void theDownloadsArguments() throws Exception {
        FileServing f = serving("{ path: in }", """
                        pipeline_file: /etc/sluice/pipeline.yaml
                        file_server: { tls: { keystore: server.p12, password: "${TLS_PASSWORD}", ca_config_map: ca } }
                        """).orElseThrow();
        String longName = "x".repeat(200);
        List<String> files = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            String key = "d/" + longName + i + ".csv";
            Files.createDirectories(dir.resolve("in/d"));
            Files.writeString(dir.resolve("in").resolve(key), "id\n" + i + "\n");
            files.add(key);
        }
        Set<String> members = Set.copyOf(files);
        try (FileServer server = FileServer.start(
                FileServer.Settings.of(f.root(), SigningKey.generate()), id -> id.equals("big") ? members : Set.of())) {
            List<String> args = f.fetchArgs(server, "big", files.subList(0, 2));
            assertThat(args.getFirst()).isEqualTo("fetch");
            assertThat(args.subList(1, 3)).allMatch(u -> u.contains("split=big"));
            assertThat(args.subList(3, args.size()))
                    .containsExactly("--to", "/etc/sluice/in", "--ca", "/etc/sluice/files-ca/ca.crt");
            assertThat(f.fetchArgs(server, "big", files)).hasSize(1 + 1500 + 4);
        }
    }

    @Test
    void inputsThePodsWouldDeleteOrMoveAreRefusedNamingBothOptions() {
        assertThatThrownBy(() -> serving("{ path: in, after: { delete: true } }", "file_server: {}"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("run.kubernetes.file_server")
                .hasMessageContaining("source.files.after")
                .hasMessageContaining("their own copies");
    }

    /** The copy's emptyDir and the ConfigMap at one path: the API server refuses such a pod, so every Job. */
    @Test
    void aCopyWhereTheConfigMapIsMountedIsRefused() throws Exception {
        assertThatThrownBy(() -> serving("{ path: ., include: \"in/*.csv\" }", """
                        config_map: served
                        pipeline_file: /etc/sluice/pipeline.yaml
                        file_server: {}
                        """))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("run.kubernetes.file_server")
                .hasMessageContaining("would be /etc/sluice, where config_map is mounted")
                .hasMessageContaining("source.files.path");
        assertThat(serving("{ path: . }", """
                        pipeline_file: /etc/sluice/pipeline.yaml
                        file_server: {}
                        """))
                .as("without config_map nothing is mounted there")
                .isPresent();
    }

    @Test
    void anObjectStoreSourceIsRefused() {
        assertThatThrownBy(() -> serving("{ path: \"s3://bucket/in/\" }", "file_server: {}"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("run.kubernetes.file_server")
                .hasMessageContaining("serves a files source's local folder")
                .hasMessageContaining("remove file_server");
    }

    @Test
    void aPublicUrlMustMatchTheServersScheme() {
        assertThatThrownBy(() -> serving("{ path: in }", """
                        file_server:
                          public_url: "http://sluice-files.data.svc:8443"
                          tls: { keystore: server.p12, password: "${TLS_PASSWORD}" }
                        """))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("run.kubernetes.file_server.public_url")
                .hasMessageContaining("must be https://HOST:PORT (tls is set)")
                .hasMessageNotContaining("not-printed");
    }
}
