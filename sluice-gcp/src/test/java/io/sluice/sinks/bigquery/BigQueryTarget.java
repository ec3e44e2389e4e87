package io.sluice.sinks.bigquery;

import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.gcp.bigquery.BigQueryAccess;
import io.sluice.gcp.bigquery.BigQueryStandIn;
import io.sluice.spi.BadRecordPolicy;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.sink.Sink;
import java.nio.file.Path;
import java.time.Clock;

/** A bigquery sink on the {@link BigQueryStandIn}, dataset {@code ds} of project {@code proj}. */
final class BigQueryTarget implements AutoCloseable {
    final BigQueryStandIn bq;
    private final Path dir;

    BigQueryTarget(Path dir) throws Exception {
        this.dir = dir;
        bq = new BigQueryStandIn();
        bq.createDataset("ds");
    }

    Options options(String yaml) {
        return new Validator(dir, k -> null)
                .validate(
                        YamlReader.parse("p.yaml", "project: proj\nendpoint: " + bq.endpoint() + "\n" + yaml),
                        (Type.Obj) new BigQuerySinkFactory().options(),
                        "sink.bigquery");
    }

    /** A client of the stand-in, as the sink reaches it: to make a table by hand. */
    BigQueryAccess access() {
        return BigQueryAccess.of(options("dataset: ds\ntable: items\n"), BigQuerySinkFactory.PROJECT);
    }

    Sink sink(String yaml) {
        return new BigQuerySinkFactory()
                .create(
                        options(yaml),
                        new PipelineContext(
                                "p", dir.resolve("p.yaml"), 2, BadRecordPolicy.DEAD_LETTER, Clock.systemUTC()));
    }

    @Override
    public void close() throws Exception {
        bq.close();
    }
}
