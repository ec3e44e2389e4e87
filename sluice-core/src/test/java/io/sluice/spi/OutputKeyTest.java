package io.sluice.spi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The output key a source sets on a split: which outputs replace which. (How files name theirs: SplitNamesTest.) */
class OutputKeyTest {

    @Test
    void onlyDisjointRangesOfOneVersionAreSiblings() {
        OutputKey a = new OutputKey("f", "v1", 0, 100);
        assertThat(a.sibling(new OutputKey("f", "v1", 100, 200))).isTrue();
        assertThat(new OutputKey("f", "v1", 100, 200).sibling(a)).isTrue();
        assertThat(a.sibling(new OutputKey("f", "v2", 100, 200)))
                .as("another version")
                .isFalse();
        assertThat(a.sibling(new OutputKey("f", "v1", 50, 150)))
                .as("another cut of the version")
                .isFalse();
        assertThat(a.sibling(new OutputKey("f", "v1", 0, Member.WHOLE))).isFalse();
        assertThat(a.sibling(new OutputKey("g", "v1", 100, 200))).isFalse();
    }

    @Test
    void aCarriedFingerprintStillNamesItsFileVersion() {
        assertThat(OutputKey.fileVersion(OutputKey.carried("10:1", "abcd"))).isEqualTo("10:1");
        assertThat(OutputKey.fileVersion("10:1")).isEqualTo("10:1");
    }
}
