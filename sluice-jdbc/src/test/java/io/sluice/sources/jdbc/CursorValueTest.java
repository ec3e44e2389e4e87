package io.sluice.sources.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The timestamps a database prints and a user writes for {@code sluice backfill}, read as the same instants. */
class CursorValueTest {
    @Test
    void theFormsDatabasesPrintAndUsersWrite() {
        Instant six = Instant.parse("2026-11-01T06:30:00Z");
        assertThat(CursorValue.parse("2026-11-01", "--from")).isEqualTo(Instant.parse("2026-11-01T00:00:00Z"));
        assertThat(CursorValue.parse("2026-11-01 06:30:00", "x")).isEqualTo(six);
        assertThat(CursorValue.parse("2026-11-01T06:30:00Z", "x")).isEqualTo(six);
        assertThat(CursorValue.parse("2026-11-01 06:30:00+00", "x"))
                .as("PostgreSQL's timestamptz")
                .isEqualTo(six);
        assertThat(CursorValue.parse("2026-11-01 08:30:00+02:00", "x")).isEqualTo(six);
        assertThat(CursorValue.parse("2026-11-01 12:00:00+0530", "x")).isEqualTo(six);
        assertThat(CursorValue.parse("2026-11-01 01:30:00-05", "x")).isEqualTo(six);
        assertThat(CursorValue.parse("2026-11-01 06:30:00.123456", "x")).isEqualTo(six.plusNanos(123_456_000));
        assertThat(CursorValue.parse(" 2026-11-01t06:30z ", "x")).isEqualTo(six);
    }

    @Test
    void aValueWithoutAnOffsetIsAWallClockTimeOfTheCursorsZone() {
        java.time.ZoneId newYork = java.time.ZoneId.of("America/New_York");
        assertThat(CursorValue.parse("2026-11-01 01:30:00", "x", newYork))
                .as("the first of the two 01:30 of the day clocks go back: the earlier offset")
                .isEqualTo(Instant.parse("2026-11-01T05:30:00Z"));
        assertThat(CursorValue.parse("2026-12-01 01:30:00", "x", newYork))
                .isEqualTo(Instant.parse("2026-12-01T06:30:00Z"));
        assertThat(CursorValue.parse("2026-12-01 01:30:00+00", "x", newYork))
                .as("an offset decides")
                .isEqualTo(Instant.parse("2026-12-01T01:30:00Z"));
    }

    @Test
    void anythingElseNamesTheOptionAndTheForms() {
        assertThatThrownBy(() -> CursorValue.parse("yesterday", "--to"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--to: 'yesterday' is not a timestamp; write a date (2026-11-01)");
        assertThatThrownBy(() -> CursorValue.parse("2026-13-01", "--from"))
                .hasMessageContaining("'2026-13-01' is not a timestamp");
    }
}
