package io.sluice.sources.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class KeyStatisticsTest {
    /** A histogram of 100 equal buckets over the keys 0, 10, ..., 1000. */
    private static final KeyStatistics HUNDRED = new KeyStatistics(
            1000,
            IntStream.rangeClosed(0, 100).mapToObj(i -> String.valueOf(i * 10)).toList());

    @Test
    void rangesAreCutAtTheBucketsNearestEqualShares() {
        assertThat(HUNDRED.upperBounds(4)).contains(List.of("250", "500", "750"));
        assertThat(HUNDRED.upperBounds(3)).contains(List.of("330", "670"));
        assertThat(HUNDRED.upperBounds(1)).contains(List.of());
    }

    @Test
    void moreRangesThanBucketsAreLeftToTheExactTiles() {
        assertThat(HUNDRED.upperBounds(100)).isPresent();
        assertThat(HUNDRED.upperBounds(101)).isEmpty();
    }

    @Test
    void equalBoundsMergeSoAKeyNeverSpansTwoRanges() {
        KeyStatistics flat = new KeyStatistics(100, List.of("1", "5", "5", "5", "9"));
        assertThat(flat.upperBounds(4)).contains(List.of("5"));
    }

    @Test
    void onlyAPlainOrQuotedIdentifierIsLookedUp() {
        assertThat(KeyStatistics.attributeName("Order_Id")).isEqualTo("order_id");
        assertThat(KeyStatistics.attributeName("\"Order \"\"Id\"\"\"")).isEqualTo("Order \"Id\"");
        assertThat(KeyStatistics.attributeName("lower(code)")).isNull();
        assertThat(KeyStatistics.attributeName("t.id")).isNull();
    }
}
