package io.sluice.sinks.files;

import static io.sluice.sinks.files.ReplaceInPlaceTest.version;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.Options;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import io.sluice.spi.storage.ForwardingObjectStore;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoredObject;
import io.sluice.spi.storage.WriteCondition;
import io.sluice.storage.local.LocalObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The requests a commit makes to a store with atomic conditional writes (S3, GCS, Azure), each one paid for: what it
 * must read before its last check, read once, and nothing read that a write's condition already checks.
 */
class CommitRequestsTest {
    @TempDir
    Path dir;

    private final Commits commits = new Commits();
    /** Every request, as {@code VERB key}. */
    private final List<String> requests = new CopyOnWriteArrayList<>();

    private FilesSink sink() throws Exception {
        Options o = new Validator(dir, k -> null)
                .validate(YamlReader.parse("sink.yaml", "path: out\nformat: csv\n"), FilesSinkFactory.OPTIONS);
        Path out = dir.resolve("out");
        FilesSink sink =
                new FilesSink(new Counted(new LocalObjectStore(out)), out, "csv", "none", List.of(), o, dir, null);
        sink.prepare();
        return sink;
    }

    private void commit(FilesSink sink, Split split) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            commits.write(sink, c, split, "SELECT i FROM range(3) t(i)", commits.in("incarnation-1"));
        }
    }

    private List<String> on(String key) {
        return requests.stream().filter(r -> r.endsWith(" " + key)).toList();
    }

    @Test
    void theFirstCommitOfAnOutputDoesNotReadTheManifestItFoundAbsent() throws Exception {
        FilesSink sink = sink();
        requests.clear();
        commit(sink, version("a.csv", "v1"));
        String name = FilesSink.name("a.csv");
        assertThat(on(FilesSink.MANIFESTS + name + ".json"))
                .as("the manifest's requests: its HEAD said none, then the commit's two writes")
                .containsExactly(
                        "HEAD " + FilesSink.MANIFESTS + name + ".json",
                        "PUT " + FilesSink.MANIFESTS + name + ".json",
                        "PUT " + FilesSink.MANIFESTS + name + ".json");
        assertThat(on(name + ".csv"))
                .as("a key no manifest listed is written If-None-Match, not read first")
                .containsExactly("PUT " + name + ".csv");
    }

    @Test
    void aNewVersionReadsTheManifestAndEachKeyItReplacesOnce() throws Exception {
        FilesSink sink = sink();
        commit(sink, version("a.csv", "v1"));
        requests.clear();
        commit(sink, version("a.csv", "v2"));
        String name = FilesSink.name("a.csv");
        String manifest = FilesSink.MANIFESTS + name + ".json";
        assertThat(on(manifest))
                .containsExactly("HEAD " + manifest, "GET " + manifest, "PUT " + manifest, "PUT " + manifest);
        assertThat(on(name + ".csv"))
                .as("its version, for If-Match, then the write")
                .containsExactly("HEAD " + name + ".csv", "PUT " + name + ".csv");
        String versions = "_sluice/versions/" + FilesSink.hash("a.csv") + "/";
        assertThat(requests.stream().filter(r -> r.contains(" " + versions)))
                .as("v2's record written If-None-Match (not looked for first), then the key's records listed")
                .hasSize(2)
                .first()
                .asString()
                .startsWith("PUT " + versions + name + "~" + FilesSink.hash("v2"));
        assertThat(requests).contains("LIST " + versions);
    }

    @Test
    void aVersionCommittedAgainFindsItsRecordInPlace() throws Exception {
        FilesSink sink = sink();
        commit(sink, version("a.csv", "v2"));
        requests.clear();
        commit(sink, version("a.csv", "v2")); // a replay: the record's If-None-Match fails, and that is fine
        assertThat(requests).anyMatch(r -> r.startsWith("PUT _sluice/versions/"));
        assertThat(Files.readAllLines(dir.resolve("out").resolve(FilesSink.name("a.csv") + ".csv")))
                .containsExactly("i", "0", "1", "2");
    }

    @Test
    void aLogsRangeLooksForItsKeysFirstVersionWithoutDeletingWhatIsAbsent() throws Exception {
        FilesSink sink = sink();
        requests.clear();
        commit(
                sink,
                new Split(
                        "log.csv#0-100",
                        List.of(new Member("log.csv", "v1", 0, 100, null)),
                        100,
                        null,
                        new OutputKey("log.csv", "v1", 0, 100)));
        // a HEAD (the version a removal is conditional on), and no GET of a manifest that is not there
        assertThat(requests).contains("HEAD " + FilesSink.MANIFESTS + FilesSink.name("log.csv") + ".json");
        assertThat(requests).doesNotContain("GET " + FilesSink.MANIFESTS + FilesSink.name("log.csv") + ".json");
        assertThat(requests).noneMatch(r -> r.startsWith("DELETE "));
    }

    /** Requests by verb and key; says its conditional writes are atomic, as an object store's are. */
    private final class Counted extends ForwardingObjectStore {
        Counted(ObjectStore store) {
            super(store);
        }

        @Override
        public Stream<StoredObject> list(String prefix, String startAfter) throws IOException {
            requests.add("LIST " + prefix);
            return store.list(prefix, startAfter);
        }

        @Override
        public Optional<StoredObject> stat(String key) throws IOException {
            requests.add("HEAD " + key);
            return store.stat(key);
        }

        @Override
        public InputStream read(String key, String version, long offset, long length) throws IOException {
            requests.add("GET " + key);
            return store.read(key, version, offset, length);
        }

        @Override
        public StoredObject write(String key, Path file, WriteCondition condition) throws IOException {
            requests.add("PUT " + key);
            return store.write(key, file, condition);
        }

        @Override
        public StoredObject write(String key, byte[] content, WriteCondition condition) throws IOException {
            requests.add("PUT " + key);
            return store.write(key, content, condition);
        }

        @Override
        public void delete(String key) throws IOException {
            requests.add("DELETE " + key);
            store.delete(key);
        }

        @Override
        public Capabilities capabilities() {
            return new Capabilities(true, true);
        }
    }
}
