package io.sluice.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A claim's owner id tells a process on the same machine whether the owner still runs: only a process of this
 * machine that is gone (its pid free, or used again by a process that started later) counts as gone.
 */
class OwnerIdTest {
    @Test
    void anIdReadsBackAsItsParts() {
        OwnerId me = OwnerId.current().orElseThrow();
        assertThat(me.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(me.host()).isEqualTo(OwnerId.hostName());
        assertThat(OwnerId.parse(me.toString())).contains(me);
        assertThat(OwnerId.forThisProcess()).matches(id -> OwnerId.parse(id).isPresent());
    }

    @Test
    void idsThatCarryNoStartAreNeverTakenOverEarly() {
        assertThat(OwnerId.parse("build-7:48211:3900860e")).as("the older form").isEmpty();
        assertThat(OwnerId.parse("worker-pod-3")).as("a name given with --id").isEmpty();
        assertThat(OwnerId.parse(null)).isEmpty();
    }

    @Test
    void aRunningProcessIsNotGone() {
        assertThat(OwnerId.current().orElseThrow().gone()).isFalse();
    }

    @Test
    void aProcessThatExitedIsGone() throws Exception {
        Process p = new ProcessBuilder("sleep", "60").start();
        OwnerId child = OwnerId.of(p.pid()).orElseThrow();
        assertThat(child.gone()).as("while it runs").isFalse();
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        assertThat(child.gone()).as("once killed").isTrue();
    }

    @Test
    void aPidUsedAgainByAnotherProcessIsNotTheOwner() {
        OwnerId me = OwnerId.current().orElseThrow();
        OwnerId earlier = new OwnerId(me.host(), me.pid(), me.random(), me.start() + "0", me.machine());
        assertThat(earlier.gone()).isTrue();
    }

    @Test
    void anotherMachinesProcessIsNeverGone() {
        OwnerId me = OwnerId.current().orElseThrow();
        long free = 4_000_000; // above Linux's pid_max: no such process here
        assertThat(new OwnerId("elsewhere", free, me.random(), "1", me.machine()).gone())
                .as("another host")
                .isFalse();
        assertThat(new OwnerId(me.host(), free, me.random(), "1", "00000000").gone())
                .as("same host name, another boot or container")
                .isFalse();
        assertThat(new OwnerId(me.host(), free, me.random(), "1", me.machine()).gone())
                .as("this machine")
                .isTrue();
    }
}
