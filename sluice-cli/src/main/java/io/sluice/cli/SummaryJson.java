package io.sluice.cli;

import io.sluice.pipeline.Pipeline;
import io.sluice.runner.RunStats;
import io.sluice.runner.RunSummary;
import io.sluice.spi.SplitState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code --summary-json FILE}: the end of a run or a worker, for scripts (shape in docs/guide.md#for-scripts). */
final class SummaryJson {
    private SummaryJson() {}

    /**
     * @param worker the worker's id, or null for {@code sluice run}
     * @param stats  this process's counters: inputs left out while reading
     */
    static void write(Path file, Pipeline p, String worker, RunSummary s, RunStats stats, int exitCode)
            throws IOException {
        Map<String, Long> ledger = new LinkedHashMap<>();
        for (SplitState state : SplitState.values())
            ledger.put(state.label(), s.ledger().getOrDefault(state, 0L));
        // as status --json counts them: a replaced dead split is not work left, and the exit code does not count it
        ledger.put(SplitState.DEAD.label(), s.dead());
        ledger.put("replaced", s.replaced());
        Map<String, Object> doc =
                Json.map("pipeline", p.name(), "file", p.file().toString());
        if (worker != null) doc.put("worker", worker);
        doc.putAll(Json.map(
                "outcome", worker != null ? "stopped" : s.interrupted() ? "interrupted" : "finished",
                "exit_code", exitCode,
                "seconds", s.millis() / 1000.0,
                "splits_done", s.splitsDone(),
                // the run's, not the counter's: a Jobs mode controller's come from the ledger (its own stay 0); the
                // ledger's counts below say how many are dead in all
                "splits_dead", s.died(),
                "failed_attempts", s.attemptsFailed(),
                "inputs_already_processed", s.seen(),
                "inputs_skipped", s.skipped(),
                "inputs_left_out", stats.leftOut(),
                "rows_in", s.rowsIn(),
                "rows_out", s.rowsOut(),
                "bad_records", s.rejected(),
                "bytes", s.bytes(),
                "ledger", ledger));
        Json.write(file, doc);
    }
}
