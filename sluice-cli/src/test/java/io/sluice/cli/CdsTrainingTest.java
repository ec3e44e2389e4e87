package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CdsTrainingTest {
    /** The launchers archive the classes of this run: it must process a split, or the archive misses a run's classes. */
    @Test
    void theTrainingRunValidatesRunsAndShowsTheStatusOfASplit() throws Exception {
        assertThat(CdsTraining.run()).isZero();
    }

    /**
     * The run from a SQLite table must read it (exit code 0), or the jdbc source's read path is not in the archive.
     * The training does not fail for it (an archive without those classes is better than none).
     */
    @Test
    void theJdbcRunFromATableReadsIt(@TempDir Path dir) throws Exception {
        assertThat(CdsTraining.runFromADatabase(dir)).isZero();
    }

    /**
     * The jdbc part must get as far as a run does before it meets the missing database (exit code 1), not stop at a
     * mistake in its pipeline (exit code 2): only then are the jdbc source's and the driver's classes archived.
     */
    @Test
    void theJdbcRunFailsOnlyForWantOfItsDatabase(@TempDir Path dir) throws Exception {
        assertThat(CdsTraining.runWithoutItsDatabase(dir)).isEqualTo(1);
    }
}
