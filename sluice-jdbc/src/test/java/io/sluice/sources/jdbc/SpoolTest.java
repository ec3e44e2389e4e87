package io.sluice.sources.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SpoolTest {
    @Test
    void aTimestampWithAnOffsetKeepsItAndOneWithoutIsTakenAsUtc() {
        assertThat(hasOffset("2026-01-01 10:00:00+00")).isTrue();
        assertThat(hasOffset("2026-01-01 10:00:00.123456-05")).isTrue();
        assertThat(hasOffset("2026-01-01 10:00:00+0530")).isTrue();
        assertThat(hasOffset("2026-01-01 10:00:00.5+05:30")).isTrue();
        assertThat(hasOffset("2026-03-29T02:30Z")).isTrue();
        assertThat(hasOffset("2026-01-01 10:00:00")).isFalse();
        assertThat(hasOffset("2026-01-01 10:00:00.123456")).isFalse();
        assertThat(hasOffset("2026-01-01 10:00")).isFalse();
    }

    private static boolean hasOffset(String timestamp) {
        return Spool.hasOffset(timestamp.getBytes(StandardCharsets.US_ASCII));
    }
}
