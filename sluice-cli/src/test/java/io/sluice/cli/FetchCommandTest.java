package io.sluice.cli;

import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.kubernetes.files.FileServer;
import io.sluice.kubernetes.files.SigningKey;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice fetch}: a pod's download of its split's files from a real file server on a loopback port. */
class FetchCommandTest {
    @TempDir
    Path dir;

    @Test
    void downloadsASplitsFilesAndFailsOnARefusal() throws Exception {
        Path volume = Files.createDirectories(dir.resolve("volume/2026"));
        Files.writeString(volume.resolve("a.csv"), "id\n1\n");
        Files.writeString(volume.resolve("b.csv"), "id\n2\n");
        try (FileServer server = FileServer.start(
                FileServer.Settings.of(dir.resolve("volume"), SigningKey.generate()),
                id -> id.equals("pack:1") ? Set.of("2026/a.csv", "2026/b.csv") : Set.of())) {
            List<URI> urls = server.urlsFor("pack:1", List.of("2026/a.csv", "2026/b.csv"), Duration.ofMinutes(5));
            List<String> args = new ArrayList<>(List.of("fetch"));
            urls.forEach(u -> args.add(u.toString()));
            args.addAll(List.of("--to", dir.resolve("in").toString()));
            CliRun r = sluice(args.toArray(String[]::new)).ok();
            assertThat(r.out()).contains("fetched " + dir.resolve("in/2026/b.csv"));
            assertThat(Files.readString(dir.resolve("in/2026/a.csv"))).isEqualTo("id\n1\n");

            String tampered = urls.getFirst().toString().replace("split=pack%3A1", "split=pack%3A2");
            CliRun refused =
                    sluice("fetch", tampered, "--to", dir.resolve("in2").toString());
            assertThat(refused.code()).as(refused.toString()).isEqualTo(1);
            assertThat(refused.err())
                    .contains("refused 2026/a.csv of split pack:2")
                    .contains("403");

            CliRun soon = sluice(
                    "fetch",
                    urls.getFirst().toString(),
                    "--to",
                    dir.resolve("in3").toString(),
                    "--read-timeout",
                    "soon");
            assertThat(soon.code()).as(soon.toString()).isEqualTo(2);
            assertThat(soon.err()).contains("--read-timeout soon is not a duration such as 30s or 2m");
            assertThat(sluice(
                                    "fetch",
                                    urls.getFirst().toString(),
                                    "--to",
                                    dir.resolve("in4").toString(),
                                    "--read-timeout",
                                    "5s")
                            .ok()
                            .out())
                    .contains("fetched " + dir.resolve("in4/2026/a.csv"));

            // rewritten with its size and time kept: a checksum mismatch has its own exit code, which tells the
            // controller that this URL's checksum is stale (exit 1 would be any other failure)
            Path a = volume.resolve("a.csv");
            var signedAt = Files.getLastModifiedTime(a);
            Files.writeString(a, "id\n9\n");
            Files.setLastModifiedTime(a, signedAt);
            CliRun mismatch = sluice(
                    "fetch",
                    urls.getFirst().toString(),
                    "--to",
                    dir.resolve("in5").toString());
            assertThat(mismatch.code()).as(mismatch.toString()).isEqualTo(3);
            assertThat(mismatch.err()).contains("checksum mismatch for 2026/a.csv of split pack:1");
        }
    }
}
