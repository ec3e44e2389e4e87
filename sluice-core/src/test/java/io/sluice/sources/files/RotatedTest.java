package io.sluice.sources.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which names {@code rotated} may take as finished rotations, judged against the live logs listed beside them, and the
 * refusal of a glob that names a live log.
 */
class RotatedTest {
    @Test
    void aRotationsNameIsItsLiveLogsWithAMarkOrTheSameNameInAnotherFolder() {
        for (String name : List.of(
                "app.log.1",
                "app.log.12",
                "logs/app.log.2",
                "app.log-20261120",
                "app.log.2026-11-20",
                "app-20261120.log",
                "app.2026-11-20.log",
                "app.1.log",
                "app.log.old",
                "old/app.log")) {
            assertThat(Rotated.rotationOf(name, "app.log")).as(name).isTrue();
        }
        assertThat(Rotated.rotationOf("access_log.1", "access_log")).isTrue();
        assertThat(Rotated.rotationOf("node-2.log", "node.log")).isTrue();
        for (String name : List.of("app.log", "apps.log", "app.txt", "app-x.log", "node-2.log", "app.log.")) {
            assertThat(Rotated.rotationOf(name, "app.log")).as(name).isFalse();
        }
        assertThat(Rotated.rotationOf("node-2.log", "node-1.log")).isFalse();
    }

    @Test
    void aGlobThatNamesALiveLogIsRefusedNamingTheGlobTheFileAndWhatToWrite() {
        Rotated rotated = new Rotated(List.of("*.log.[0-9]*", "*.log*"), IllegalArgumentException::new);
        assertThatNoException().isThrownBy(() -> rotated.checkNotLive(List.of("app.log.1", "other.txt")));
        assertThatNoException().isThrownBy(() -> rotated.checkNotLive(List.of("app.log.gz"))); // finished anyway
        assertThatThrownBy(() -> rotated.checkNotLive(List.of("app.log", "app.log.1")))
                .hasMessageContaining("\"*.log*\" names app.log,")
                .hasMessageContaining("live log")
                .hasMessageContaining("\"app.log.[0-9]*\"");
    }

    /** {@code node-1.log} and {@code node-2.log} are two nodes' live logs: no {@code node.log} they rotate from. */
    @Test
    void aLiveLogWhoseNameEndsInANumberIsRefusedUnlessItsLiveLogIsListed() {
        Rotated dated = new Rotated(List.of("*-[0-9]*.log"), IllegalArgumentException::new);
        assertThatThrownBy(() -> dated.checkNotLive(List.of("node-1.log", "node-2.log")))
                .hasMessageContaining("\"*-[0-9]*.log\" names node-1.log,")
                .hasMessageContaining("live log");
        assertThatNoException()
                .isThrownBy(() -> dated.checkNotLive(List.of("app.log", "app-20261120.log", "app-20261121.log")));
        // the live log rotated away and not created again yet: a dated name alone does not tell
        assertThatThrownBy(() -> dated.checkNotLive(List.of("app-20261120.log")))
                .hasMessageContaining("names app-20261120.log,");
    }

    /** logrotate's {@code olddir}: the rotation keeps the live log's name in another folder. */
    @Test
    void aRotationMovedToAnotherFolderUnderItsLiveLogsNameIsARotation() {
        Rotated old = new Rotated(List.of("old/*"), IllegalArgumentException::new);
        assertThatNoException().isThrownBy(() -> old.checkNotLive(List.of("app.log", "old/app.log", "old/app.log.1")));
        // with no live app.log listed, old/app.log may be a live log itself; old/app.log.1 is a rotation anyway
        assertThatThrownBy(() -> old.checkNotLive(List.of("old/app.log", "old/app.log.1")))
                .hasMessageContaining("names old/app.log,");
        assertThatNoException().isThrownBy(() -> old.checkNotLive(List.of("old/app.log.1")));
    }
}
