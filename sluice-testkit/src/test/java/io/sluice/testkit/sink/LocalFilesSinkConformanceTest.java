package io.sluice.testkit.sink;

import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.sinks.files.FilesSinkFactory;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.sink.Sink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;

/** The sink conformance kit on the files sink writing to a local folder. */
class LocalFilesSinkConformanceTest extends SinkConformanceKit {
    @TempDir
    Path dir;

    @Override
    protected Sink openSink() {
        FilesSinkFactory factory = new FilesSinkFactory();
        Options o = new Validator(dir, k -> null)
                .validate(YamlReader.parse("sink.yaml", "path: out\nformat: csv\n"), (Type.Obj) factory.options());
        return factory.create(
                o,
                new PipelineContext(
                        "kit", dir.resolve("p.yaml"), 1, io.sluice.spi.BadRecordPolicy.DEAD_LETTER, Clock.systemUTC()));
    }

    /** A local folder has no conditional writes: a writer paused right after its lock's last check is not refused. */
    @Override
    protected boolean fencedInTheTarget() {
        return false;
    }

    /** The csv files a reader globbing the folder finds, without Sluice's own folders (names starting with {@code _}). */
    @Override
    protected List<String> visibleRows(Connection duck) throws Exception {
        List<Path> files = new ArrayList<>();
        Path out = dir.resolve("out");
        if (Files.isDirectory(out)) {
            try (Stream<Path> walk = Files.walk(out)) {
                walk.filter(Files::isRegularFile)
                        .filter(p -> out.relativize(p).toString().endsWith(".csv"))
                        .filter(p -> !out.relativize(p).toString().startsWith("_"))
                        .forEach(files::add);
            }
        }
        return csvRows(duck, files);
    }

    @Override
    protected Set<String> stored() throws Exception {
        Set<String> all = new TreeSet<>();
        Path out = dir.resolve("out");
        try (Stream<Path> walk = Files.walk(out)) {
            walk.filter(Files::isRegularFile)
                    .forEach(p -> all.add(out.relativize(p).toString()));
        }
        return all;
    }
}
