package io.sluice.testkit.source;

import io.sluice.config.Options;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.sources.files.FilesSourceFactory;
import io.sluice.spi.BadRecordPolicy;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.source.Source;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/** A {@code files} source made from its options as a user writes them under {@code source.files}. */
public final class FilesSources {
    private FilesSources() {}

    /**
     * @param dir  the folder relative paths are relative to (the pipeline file's)
     * @param yaml the {@code source.files} block, e.g. {@code "path: in\nsettle: 0s"}
     * @param env  variables the options may use ({@code ${NAME}})
     */
    public static Source create(Path dir, String yaml, int parallelism, Map<String, String> env) {
        FilesSourceFactory factory = new FilesSourceFactory();
        Options o = new Validator(dir, env::get)
                .validate(YamlReader.parse("kit.yaml", yaml), (io.sluice.config.Type.Obj) factory.options());
        return factory.create(
                o,
                new PipelineContext(
                        "kit", dir.resolve("kit.yaml"), parallelism, BadRecordPolicy.DEAD_LETTER, Clock.systemUTC()));
    }
}
