package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files packed into one split may have different columns: each keeps its values, under its own column names. */
class MixedColumnsPackTest {
    @TempDir
    Path tmp;

    @Test
    void aPackOfFilesWithDifferentHeadersIsReadByColumnName() throws Exception {
        Workspace ws = Workspace.in(tmp);
        ws.input("a.csv", "id,name,v\n1,x,10\n2,y,20\n");
        ws.input("b.csv", "id,name\n3,z\n");
        ws.input("c.csv", "v,id,name\n40,4,w\n");
        ws.input("d.csv.gz", Workspace.gzip("id,name,v\n5,q,50\n"));
        Path p = ws.pipeline("""
                pipeline: mixed
                source: { files: { path: in, pack: { max_files: 10 } } }
                sink: { files: { path: out, format: parquet } }
                run: { parallelism: 1 }
                """);
        CliRun run = CliRun.run(p);
        assertThat(run.code()).as("%s", run).isZero();
        assertThat(CliRun.status(p).get("counts").get("done").asLong()).isEqualTo(1);
        assertThat(ws.outputRows("id, name, v", "parquet"))
                .isEqualTo(List.of("1|x|10", "2|y|20", "3|z|null", "4|w|40", "5|q|50"));
    }
}
