package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Containers with one host name all run as pid 1, so only the random part tells their workers apart, and the
 * pool's leader lease is held by worker id: two workers with one id would both lead.
 */
class OwnerIdTest {
    @Test
    void idsOfProcessesThatShareHostAndPidStillDiffer() {
        Set<String> ids = new HashSet<>();
        IntStream.range(0, 10_000).forEach(i -> ids.add(RunCommand.ownerId()));
        assertThat(ids).hasSize(10_000);
    }
}
