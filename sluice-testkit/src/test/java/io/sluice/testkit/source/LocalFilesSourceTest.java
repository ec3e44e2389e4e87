package io.sluice.testkit.source;

import io.sluice.spi.source.Source;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The source kit on a local folder. */
class LocalFilesSourceTest extends SourceConformanceKit {

    @Override
    protected Source newSource(int parallelism) throws IOException {
        Files.createDirectories(tmp.resolve("in"));
        return FilesSources.create(tmp, "path: in\nsettle: 0s", parallelism, Map.of());
    }

    @Override
    protected void write(String name, String content) throws IOException {
        Path p = tmp.resolve("in").resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    @Override
    protected void delete(String name) throws IOException {
        Files.delete(tmp.resolve("in").resolve(name));
    }
}
