package io.sluice.sources.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which names {@code rotated} may take as finished rotations, and the refusal of a glob that names a live log. */
class RotatedTest {
    @Test
    void theNamesLogrotateAndLoggersGiveRotationsCarryAMark() {
        for (String name : List.of(
                "app.log.1",
                "app.log.12",
                "logs/app.log.2.gz",
                "app.log-20261120",
                "app.log.2026-11-20",
                "app-20261120.log",
                "app.2026-11-20.log",
                "app.log.old",
                "app.1",
                "events-2026-11-20.csv")) {
            assertThat(Rotated.rotationMark(name)).as(name).isTrue();
        }
        for (String name : List.of("app.log", "logs/app.log", "access_log", "node2.log", "events.csv", "app")) {
            assertThat(Rotated.rotationMark(name)).as(name).isFalse();
        }
    }

    @Test
    void aGlobThatNamesALiveLogIsRefusedNamingTheGlobTheFileAndWhatToWrite() {
        Rotated rotated = new Rotated(List.of("*.log.[0-9]*", "*.log*"), IllegalArgumentException::new);
        assertThatNoException().isThrownBy(() -> rotated.checkNotLive("app.log.1"));
        assertThatNoException().isThrownBy(() -> rotated.checkNotLive("app.log.gz")); // gzipped: finished anyway
        assertThatNoException().isThrownBy(() -> rotated.checkNotLive("other.txt")); // not named
        assertThatThrownBy(() -> rotated.checkNotLive("app.log"))
                .hasMessageContaining("\"*.log*\" names app.log")
                .hasMessageContaining("live log")
                .hasMessageContaining("\"app.log.[0-9]*\"");
    }
}
