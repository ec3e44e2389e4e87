package io.sluice.testkit.sink;

import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.sinks.files.FilesSinkFactory;
import io.sluice.spi.BadRecordPolicy;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.storage.ObjectStore;
import io.sluice.spi.storage.StoredObject;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kit on a sink writing csv to an object store's prefix: a reader lists the prefix through a store of its own
 * (what a subclass opens in {@link #openReader}) and reads every csv object outside Sluice's own keys.
 */
public abstract class ObjectStoreSinkConformanceKit extends SinkConformanceKit {
    /** This test's local folder: the pipeline's folder, and where the reader downloads what it reads. */
    @TempDir
    protected Path dir;

    private ObjectStore reader;

    /** A store on the prefix the sink writes to, opened once per test. */
    protected abstract ObjectStore openReader() throws Exception;

    /** The files sink with these options (yaml), as a pipeline in {@link #dir} declares it. */
    protected Sink filesSink(String options) {
        FilesSinkFactory factory = new FilesSinkFactory();
        Options o = new Validator(dir, k -> null)
                .validate(YamlReader.parse("sink.yaml", options), (Type.Obj) factory.options());
        return factory.create(
                o,
                new PipelineContext("kit", dir.resolve("p.yaml"), 1, BadRecordPolicy.DEAD_LETTER, Clock.systemUTC()));
    }

    @AfterEach
    void closeReader() throws Exception {
        if (reader != null) reader.close();
    }

    private ObjectStore reader() throws Exception {
        if (reader == null) reader = openReader();
        return reader;
    }

    /** The csv objects a reader listing the prefix finds, without Sluice's own keys (those starting with {@code _}). */
    @Override
    protected List<String> visibleRows(Connection duck) throws Exception {
        List<Path> files = new ArrayList<>();
        try (Stream<StoredObject> list = reader().list("", null)) {
            for (StoredObject o : list.filter(
                            o -> o.key().endsWith(".csv") && !o.key().startsWith("_"))
                    .toList()) {
                Path local = Files.createTempFile(dir, "visible-", ".csv");
                try (InputStream in = reader().read(o.key(), o.version(), 0, -1)) {
                    Files.copy(in, local, StandardCopyOption.REPLACE_EXISTING);
                }
                files.add(local);
            }
        }
        return csvRows(duck, files);
    }

    @Override
    protected Set<String> stored() throws Exception {
        try (Stream<StoredObject> list = reader().list("", null)) {
            return list.map(StoredObject::key).collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
