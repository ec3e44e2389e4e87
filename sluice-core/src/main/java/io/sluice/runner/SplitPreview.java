package io.sluice.runner;

import io.sluice.engine.DuckEngine;
import io.sluice.engine.SplitProcessor;
import io.sluice.pipeline.Assembly;
import io.sluice.spi.Folders;
import io.sluice.spi.Split;
import io.sluice.spi.source.ReadContext;
import io.sluice.spi.source.SplitReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;

/** {@code sluice head}: a split read and transformed as a run would, without claiming, writing or recording it. */
public final class SplitPreview {
    private SplitPreview() {}

    /** The first {@code rows} rows the sink would get for this split. */
    public static SplitProcessor.Preview of(Assembly a, Split split, int rows) throws Exception {
        var run = a.pipeline().run();
        // where a run keeps its byte-range spools too; this process's own folder, removed at the end
        Path scratch = run.engine()
                .spillPath()
                .resolve("head-" + ProcessHandle.current().pid());
        try (DuckEngine engine = new DuckEngine(run.engine(), 1);
                Connection c = engine.connect()) {
            Files.createDirectories(scratch);
            try (SplitReader reader = a.source().open(split, new ReadContext(scratch))) {
                return LocalRunner.processor(a).preview(c, reader.files(), rows, scratch);
            }
        } finally {
            Folders.deleteTree(scratch);
        }
    }
}
