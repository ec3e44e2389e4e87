package io.sluice.spi;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class Utf8Test {
    private static final String TEXT = "aé€😀b"; // 1, 2, 3, 4 and 1 bytes

    @Test
    void aHeadEndsAtTheLastWholeCharacterThatFits() {
        assertThat(Utf8.head(TEXT, 11)).isEqualTo(TEXT);
        assertThat(Utf8.head(TEXT, 10)).isEqualTo("aé€😀");
        assertThat(Utf8.head(TEXT, 9)).isEqualTo("aé€");
        assertThat(Utf8.head(TEXT, 3)).isEqualTo("aé");
        assertThat(Utf8.head(TEXT, 2)).isEqualTo("a");
        assertThat(Utf8.head(TEXT, 0)).isEmpty();
    }

    @Test
    void aTailStartsAtTheFirstWholeCharacterThatFits() {
        assertThat(Utf8.tail(TEXT, 11)).isEqualTo(TEXT);
        assertThat(Utf8.tail(TEXT, 5)).isEqualTo("😀b");
        assertThat(Utf8.tail(TEXT, 4)).isEqualTo("b");
        assertThat(Utf8.tail(TEXT, 8)).isEqualTo("€😀b");
        assertThat(Utf8.tail(TEXT, 0)).isEmpty();
    }

    @Test
    void keysCompareByTheirUtf8Bytes() {
        List<String> keys =
                List.of("", "a", "a/b", "a0", "k\u007f", "k\u00e9", "k\ud7ff", "k\ue000", "k\uffff", "k😀", "k😀x");
        for (String a : keys) {
            for (String b : keys) {
                int bytes = Arrays.compareUnsigned(a.getBytes(UTF_8), b.getBytes(UTF_8));
                assertThat(Integer.signum(Utf8.compare(a, b)))
                        .as("%s against %s", a, b)
                        .isEqualTo(Integer.signum(bytes));
            }
        }
        assertThat("k😀".compareTo("k\ue000"))
                .as("String order puts the pair (U+D83D U+DE00) first: what listings must not use")
                .isNegative();
        assertThat(Utf8.compare("k😀", "k\ue000")).isPositive();
    }

    @Test
    void theCommonPrefixOfKeysNeverEndsInsideACharacter() {
        assertThat(Utf8.commonPrefix(List.of("out/date=2026-12-01/a.csv", "out/date=2026-12-02/a.csv")))
                .isEqualTo("out/date=2026-12-0");
        assertThat(Utf8.commonPrefix(List.of("k\uD83D\uDE00.csv", "k\uD83D\uDE01.csv")))
                .isEqualTo("k");
        assertThat(Utf8.commonPrefix(List.of("a.csv"))).isEqualTo("a.csv");
        assertThat(Utf8.commonPrefix(List.of("a", "b"))).isEmpty();
    }
}
