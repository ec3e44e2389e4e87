package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code state: { memory: {} }} from the command line: a run works and says loudly that it forgets; commands that need
 * what another process recorded refuse it instead of showing an empty ledger.
 */
class MemoryLedgerCliTest {
    @TempDir
    Path dir;

    private Workspace ws;
    private Path pipeline;

    @BeforeEach
    void twoFiles() throws Exception {
        ws = Workspace.in(dir);
        ws.input("a.csv", "id,amount\n1,10\n2,20\n");
        ws.input("b.csv", "id,amount\n3,30\n");
        pipeline = ws.pipeline("""
                pipeline: mem
                source: { files: { path: in } }
                sink: { files: { path: out, format: csv } }
                state: { memory: {} }
                """);
    }

    @Test
    void aRunWarnsThatItForgetsAndTheNextRunProcessesEverythingAgain() throws Exception {
        CliRun first = run(pipeline);
        assertThat(first.code()).as(first.toString()).isZero();
        assertThat(first.err())
                .contains("mem: warning: the ledger is in memory (state.memory)")
                .contains("never where exactly-once across restarts matters");
        assertThat(first.out()).contains("2 split(s) done");

        CliRun second = run(pipeline);
        assertThat(second.out()).as("nothing was remembered").contains("2 split(s) done");
        assertThat(ws.outputRows("id, amount", "csv"))
                .as("replay replaces, so the output holds each row once")
                .containsExactly("1|10", "2|20", "3|30");
        assertThat(Files.exists(dir.resolve(".sluice").resolve("mem.db")))
                .as("no ledger file")
                .isFalse();
    }

    @Test
    void commandsThatNeedAnotherProcesssStateRefuseIt() {
        for (String[] args : new String[][] {
            {"status", pipeline.toString()}, {"retry", pipeline.toString()}, {"worker", pipeline.toString()}
        }) {
            CliRun r = sluice(args);
            assertThat(r.code()).as(r.toString()).isEqualTo(2);
            assertThat(r.err())
                    .contains("pipeline mem keeps its ledger in the memory of the process that runs it "
                            + "(state.memory)");
        }
        CliRun reset = sluice("reset", pipeline.toString(), "--yes");
        assertThat(reset.code()).as(reset.toString()).isZero();
        assertThat(reset.out()).contains("nothing to forget");
    }
}
