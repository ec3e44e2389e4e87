package io.sluice.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.NativeCopies;
import io.sluice.config.Type;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.engine.SplitProcessor;
import io.sluice.planning.Planner;
import io.sluice.spi.BadRecordPolicy;
import io.sluice.spi.Member;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.Split;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.WriteContext;
import io.sluice.spi.source.LocalFiles;
import io.sluice.spi.source.ReadContext;
import io.sluice.spi.source.Source;
import io.sluice.spi.source.SplitReader;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.WriteCondition;
import io.sluice.testkit.source.FilesSources;
import io.sluice.testkit.source.SourceConformanceKit;
import io.sluice.testkit.storage.S3ProxyServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The source kit on a prefix of a bucket of a real S3 server (S3Proxy in its own JVM, on loopback). */
class S3FilesSourceTest extends SourceConformanceKit {
    private static final S3ProxyServer SERVER = S3ProxyServer.shared();
    private static final String BUCKET = "sluice-source-kit";

    static {
        TestProfiles.install();
        SERVER.createBucket(BUCKET);
    }

    private String url;
    private ObjectStore objects;

    @BeforeEach
    void openPrefix() throws IOException {
        url = "s3://" + BUCKET + "/" + UUID.randomUUID() + "/";
        objects = S3ObjectStoreTest.open(SERVER, url, Map.of());
    }

    @AfterEach
    void closePrefix() throws IOException {
        objects.close();
    }

    @Override
    protected Source newSource(int parallelism) {
        String yaml = "path: \"" + url + "\"\nsettle: 0s\ns3: { endpoint: \"" + SERVER.endpoint() + "\", region: "
                + S3ProxyServer.REGION + ", path_style: true, profile: sluice-kit }";
        return FilesSources.create(tmp, yaml, parallelism, Map.of());
    }

    @Override
    protected void write(String name, String content) throws IOException {
        objects.write(name, content.getBytes(StandardCharsets.UTF_8), WriteCondition.none());
    }

    @Override
    protected void delete(String name) throws IOException {
        objects.delete(name);
    }

    /** A source of the bucket that cuts objects larger than 1 KB into byte ranges. */
    private Source cutInRangesOf1Kb() {
        String yaml = "path: \"" + url + "\"\nsettle: 0s\nsplit_size: 1KB\ns3: { endpoint: \"" + SERVER.endpoint()
                + "\", region: " + S3ProxyServer.REGION + ", path_style: true, profile: sluice-kit }";
        return FilesSources.create(tmp, yaml, 1, Map.of());
    }

    /** Where the first of these byte ranges ends. */
    private static long firstEnd(List<Split> splits) {
        return splits.stream()
                .map(sp -> sp.members().getFirst())
                .filter(m -> m.start() == 0)
                .findFirst()
                .orElseThrow()
                .end();
    }

    @Test
    void aLargeCsvObjectIsCutIntoRangesEachReadWithTheHeaderByOneRangedGet() throws Exception {
        StringBuilder csv = new StringBuilder("id,name\n");
        for (int i = 0; i < 400; i++) csv.append(i).append(",\"row ").append(i).append("\"\n");
        write("big.csv", csv.toString());
        try (Source source = cutInRangesOf1Kb()) {
            List<Split> splits = new Planner(source, ledger).plan().splits();
            assertThat(splits).hasSizeGreaterThan(3);
            long firstEnd = firstEnd(splits);
            StringBuilder rows = new StringBuilder();
            for (Split split : splits) {
                Member m = split.members().getFirst();
                assertThat(split.payload())
                        .as("the header rides in the payload of a range after the first")
                        .matches(p -> m.start() == 0 ? p == null : p.contains("header"));
                Path scratch = Files.createDirectories(tmp.resolve("s" + m.start()));
                try (SplitReader reader = source.open(split, new ReadContext(scratch))) {
                    String text =
                            Files.readString(reader.files().parts().getFirst().file());
                    assertThat(text).startsWith("id,name\n");
                    rows.append(text.substring("id,name\n".length()));
                    long before = csv.substring(0, (int) m.start())
                            .chars()
                            .filter(c -> c == '\n')
                            .count();
                    Path head = reader.files().parts().getFirst().head();
                    assertThat(Files.readString(head))
                            .as("every range's types, the first's too, come from the object's first range, read by a"
                                    + " GET of its version")
                            .isEqualTo(csv.substring(0, (int) firstEnd));
                    assertThat(reader.files().parts().getFirst().shift().lines())
                            .as("dead letters name the object's lines")
                            .isEqualTo(m.start() == 0 ? 0 : before - 1);
                    LocalFiles.LineShift shift =
                            reader.files().parts().getFirst().shift();
                    assertThat(shift.startByte())
                            .as("a failed row is named by its byte")
                            .isEqualTo(m.start());
                    assertThat(shift.remote())
                            .as("counting the lines before a range would download them")
                            .isEqualTo(m.start() > 0);
                }
            }
            assertThat("id,name\n" + rows).as("every byte once, in order").isEqualTo(csv.toString());
        }
    }

    @Test
    void aJsonLinesRangeAfterTheFirstTakesItsColumnsFromTheObjectsFirstRangeReadByAGetOfItsVersion() throws Exception {
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 400; i++)
            jsonl.append("{\"id\":")
                    .append(i)
                    .append(",\"name\":\"row ")
                    .append(i)
                    .append("\"}\n");
        write("big.jsonl", jsonl.toString());
        try (Source source = cutInRangesOf1Kb()) {
            List<Split> splits = new Planner(source, ledger).plan().splits();
            assertThat(splits).hasSizeGreaterThan(3);
            long firstEnd = firstEnd(splits);
            for (Split split : splits) {
                Member m = split.members().getFirst();
                Path scratch = Files.createDirectories(tmp.resolve("j" + m.start()));
                try (SplitReader reader = source.open(split, new ReadContext(scratch))) {
                    Path head = reader.files().parts().getFirst().head();
                    if (m.start() == 0) {
                        assertThat(head).as("the first range is its own head").isNull();
                    } else {
                        assertThat(Files.readString(head))
                                .as("a range's columns come from the object's first range, read by a GET of its"
                                        + " version")
                                .isEqualTo(jsonl.substring(0, (int) firstEnd));
                    }
                }
            }
        }
    }

    @Test
    void aBadRecordOfALateRangeIsNamedByItsByteInTheObjectWithoutReadingTheBytesBeforeTheRange() throws Exception {
        StringBuilder csv = new StringBuilder("id,name\r\n");
        for (int i = 0; i < 400; i++)
            csv.append(i).append(",\"row ").append(i).append(i == 300 ? "\",extra\r\n" : "\"\r\n");
        write("big.csv", csv.toString());
        long bad = csv.indexOf("300,\"row 300\",extra");
        NativeCopies.loadDuckDb();
        try (Source source = cutInRangesOf1Kb()) {
            Split split = new Planner(source, ledger)
                    .plan().splits().stream()
                            .filter(sp -> sp.members().getFirst().start() <= bad
                                    && bad < sp.members().getFirst().end())
                            .findFirst()
                            .orElseThrow();
            assertThat(split.members().getFirst().start()).isGreaterThan(0);
            Path scratch = Files.createDirectories(tmp.resolve("bad"));
            try (SplitReader reader = source.open(split, new ReadContext(scratch));
                    Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
                // the range is read (spooled): any read of the object's bytes before it now fails
                delete("big.csv");
                // on_bad_record: fail names the split's first dead letter, as the sink asks for them
                Sink sink = filesSink(
                        "path: out\nformat: csv",
                        new PipelineContext(
                                "kit", tmp.resolve("kit.yaml"), 1, BadRecordPolicy.FAIL, Clock.systemUTC()));
                sink.prepare();
                SplitProcessor processor = new SplitProcessor(List.of(), List.of(), sink, BadRecordPolicy.FAIL);
                assertThatThrownBy(() -> processor.process(
                                c,
                                split,
                                reader.files(),
                                null,
                                new WriteContext(Files.createDirectories(scratch.resolve("work")))))
                        .hasMessageContaining("the first: big.csv record at byte " + bad + ": TOO MANY COLUMNS");
            }
        }
    }

    @Test
    void anObjectDeletedAfterItWasListedIsLeftOutAndTheRestOfItsPackIsRead() throws Exception {
        write("a.csv", "id,name\n1,a\n");
        write("b.csv", "id,name\n2,b\n");
        write("c.csv", "id,name\n3,c\n");
        try (Source source = newSource(1)) {
            Split pack = new Planner(source, ledger).plan().splits().getFirst();
            assertThat(pack.members()).extracting(Member::key).containsExactly("a.csv", "b.csv", "c.csv");
            delete("b.csv");
            Path scratch = Files.createDirectories(tmp.resolve("pack"));
            try (SplitReader reader = source.open(pack, new ReadContext(scratch))) {
                assertThat(reader.files().parts())
                        .extracting(p -> p.key())
                        .as("a bad member of a pack harms no other")
                        .containsExactly("a.csv", "c.csv");
                assertThat(reader.skipped())
                        .singleElement()
                        .satisfies(k -> assertThat(k.key()).isEqualTo("b.csv"))
                        .satisfies(k -> assertThat(k.reason())
                                .isEqualTo("object " + url + "b.csv was deleted after it was listed"));
            }
        }
    }

    @Test
    void aFolderMadeInTheConsoleIsNoInput() throws Exception {
        // the S3 console's "Create folder" (and s3fs, rclone, Hadoop) leaves an empty object named like the folder
        objects.write("2026-11/", new byte[0], WriteCondition.none());
        write("2026-11/usage", "id,name\n1,a\n");
        String yaml = "path: \"" + url + "\"\nsettle: 0s\nformat: csv\ns3: { endpoint: \"" + SERVER.endpoint()
                + "\", region: " + S3ProxyServer.REGION + ", path_style: true, profile: sluice-kit }";
        try (Source source = FilesSources.create(tmp, yaml, 1, Map.of())) {
            var plan = new Planner(source, ledger).plan();
            assertThat(plan.splits())
                    .flatExtracting(Split::members)
                    .extracting(Member::key)
                    .as("the folder is not read as an empty csv (nor as a broken Parquet file with format: parquet)")
                    .containsExactly("2026-11/usage");
            assertThat(plan.skipped()).as("nor reported as a skipped file").isEmpty();
        }
    }

    @Test
    void moveToAPrefixInsideTheSourcesIsRefusedUnlessItIsNeverListed() throws Exception {
        String s3 = "\ns3: { endpoint: \"" + SERVER.endpoint() + "\", region: " + S3ProxyServer.REGION
                + ", path_style: true, profile: sluice-kit }";
        // moved under done/, each input would be listed by the next run as a new file and read twice
        assertThatThrownBy(() -> FilesSources.create(
                        tmp,
                        "path: \"" + url + "\"\nsettle: 0s\nafter: { move_to: \"" + url + "done/\" }" + s3,
                        1,
                        Map.of()))
                .hasMessageContaining("move_to")
                .hasMessageContaining(url + "done/")
                .hasMessageContaining("read again")
                .hasMessageContaining(url + "_done/");

        write("a.csv", "id,name\n1,a\n");
        try (Source source = FilesSources.create(
                tmp,
                "path: \"" + url + "\"\nsettle: 0s\nafter: { move_to: \"" + url + "_done/\" }" + s3,
                1,
                Map.of())) {
            Split split = new Planner(source, ledger).plan().splits().getFirst();
            source.processed(split);
            assertThat(objects.stat("_done/a.csv")).as("moved").isPresent();
            assertThat(new Planner(source, ledger).plan().splits())
                    .as("a prefix starting with _ is never listed")
                    .isEmpty();
        }
    }

    @Test
    void theSinksFolderOnAnotherEndpointIsAnotherPlaceThoughItsBucketAndPrefixReadTheSame() throws Exception {
        // two S3-compatible servers may each have a bucket of that name: the check compared bucket and prefix only,
        // so a sink writing to out/ on the other server made this source skip out/ here without a word, and a sink
        // writing to this very prefix there was refused as the source's own folder
        S3ProxyServer other = S3ProxyServer.create();
        try {
            other.createBucket(BUCKET);
            write("a.csv", "id,name\n1,a\n");
            write("out/b.csv", "id,name\n2,b\n");
            try (Source source = withSinkAt(other, url + "out/")) {
                assertThat(new Planner(source, ledger).plan().splits())
                        .flatExtracting(Split::members)
                        .extracting(Member::key)
                        .as("out/ here is input: the sink writes out/ on the other server")
                        .containsExactlyInAnyOrder("a.csv", "out/b.csv");
            }
            withSinkAt(other, url).close(); // not refused: the other server's prefix, not this one
            assertThatThrownBy(() -> withSinkAt(SERVER, url))
                    .as("on the same server, still refused")
                    .hasMessageContaining("is also the folder the sink writes in");
        } finally {
            other.close();
        }
    }

    /** A files sink of these options ({@code yaml}) in {@code context}. */
    private Sink filesSink(String yaml, PipelineContext context) {
        io.sluice.sinks.files.FilesSinkFactory sinks = new io.sluice.sinks.files.FilesSinkFactory();
        return sinks.create(
                new Validator(tmp, k -> null).validate(YamlReader.parse("sink.yaml", yaml), (Type.Obj) sinks.options()),
                context);
    }

    /** This test's source, in a pipeline whose files sink writes to {@code sinkUrl} on {@code server}. */
    private Source withSinkAt(S3ProxyServer server, String sinkUrl) {
        String s3 = "\ns3: { endpoint: \"" + server.endpoint() + "\", region: " + S3ProxyServer.REGION
                + ", path_style: true, profile: sluice-kit }";
        PipelineContext context =
                new PipelineContext("kit", tmp.resolve("kit.yaml"), 1, BadRecordPolicy.DEAD_LETTER, Clock.systemUTC());
        Sink sink = filesSink("path: \"" + sinkUrl + "\"\nformat: csv" + s3, context);
        String folder = sink.outputFolder().orElseThrow(); // what a run gives the source
        sink.finish();
        io.sluice.sources.files.FilesSourceFactory sources = new io.sluice.sources.files.FilesSourceFactory();
        return sources.create(
                new Validator(tmp, k -> null)
                        .validate(
                                YamlReader.parse(
                                        "kit.yaml",
                                        "path: \"" + url + "\"\nsettle: 0s"
                                                + s3.replace(
                                                        server.endpoint().toString(),
                                                        SERVER.endpoint().toString())),
                                (Type.Obj) sources.options()),
                context.withSinkFolder(folder));
    }

    @Test
    void aMissingBucketIsRefusedByTheChecksAtThePathAndAnEmptyPrefixIsNot() throws Exception {
        String s3 = "\nsettle: 0s\ns3: { endpoint: \"" + SERVER.endpoint() + "\", region: " + S3ProxyServer.REGION
                + ", path_style: true, profile: sluice-kit }";
        try (Source misspelt = FilesSources.create(tmp, "path: \"s3://" + BUCKET + "x/in/\"" + s3, 1, Map.of())) {
            // validate's check, and a plan's listing: a ConfigException at the option, not an outage
            for (org.assertj.core.api.ThrowableAssert.ThrowingCallable checked :
                    List.<org.assertj.core.api.ThrowableAssert.ThrowingCallable>of(
                            misspelt::check, () -> new Planner(misspelt, ledger).plan())) {
                assertThatThrownBy(checked)
                        .isInstanceOf(io.sluice.config.ConfigException.class)
                        .hasMessageContaining("path")
                        .hasMessageContaining("bucket '" + BUCKET + "x' does not exist")
                        .hasMessageContaining("the buckets these credentials can see: ")
                        .hasMessageContaining(BUCKET);
            }
        }
        try (Source empty = newSource(1)) { // this test's prefix, which holds nothing yet
            assertThat(empty.check()).isEmpty();
            assertThat(new Planner(empty, ledger).plan().splits()).isEmpty();
        }
    }

    @Test
    void tailIsRefusedOnAStoreWithTheReason() {
        String yaml = "path: \"" + url + "\"\ntail: true\nformat: text\ns3: { endpoint: \"" + SERVER.endpoint()
                + "\", region: " + S3ProxyServer.REGION + ", path_style: true, profile: sluice-kit }";
        assertThatThrownBy(() -> FilesSources.create(tmp, yaml, 1, Map.of()))
                .hasMessageContaining("tail")
                .hasMessageContaining("local disk only")
                .hasMessageContaining("replaced whole");
    }
}
