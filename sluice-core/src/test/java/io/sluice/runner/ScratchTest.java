package io.sluice.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.spi.Claim;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScratchTest {
    @TempDir
    Path spill;

    @Test
    void aSplitWhoseIdHashesToTheSmallestIntGetsAFolderNamedWithoutASign() throws Exception {
        String id = "polygenelubricants";
        assertThat(id.hashCode()).as("Math.abs leaves this one negative").isEqualTo(Integer.MIN_VALUE);
        Claim claim = new Claim(new Split(id, List.of(Member.whole(id, "v1", null)), 1), "me", 7, Instant.EPOCH, 1);
        try (Scratch scratch = Scratch.create(spill, "scratch")) {
            assertThat(scratch.forSplit(claim).getFileName().toString()).matches("t7-\\d+");
        }
    }
}
