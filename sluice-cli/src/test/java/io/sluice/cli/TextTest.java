package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextTest {
    /** A run's rate is in bytes when its source counts bytes (files), else in rows (a database table). */
    @Test
    void aRateIsInBytesWhenThereAreAnyElseInRows() {
        assertThat(Text.rate(2048, 5, 1000)).isEqualTo("2.0 KB/s");
        assertThat(Text.rate(0, 30_000, 2000)).isEqualTo("15.0k rows/s");
        assertThat(Text.rate(0, 0, 0)).as("nothing moved, no time passed").isEqualTo("0 rows/s");
    }
}
