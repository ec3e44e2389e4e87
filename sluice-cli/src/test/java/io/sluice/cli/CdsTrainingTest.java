package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CdsTrainingTest {
    /** The launchers archive the classes of this run: it must process a split, or the archive misses a run's classes. */
    @Test
    void theTrainingRunValidatesRunsAndShowsTheStatusOfASplit() throws Exception {
        assertThat(CdsTraining.run()).isZero();
    }
}
