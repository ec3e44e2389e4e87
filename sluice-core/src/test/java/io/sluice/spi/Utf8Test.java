package io.sluice.spi;

import static org.assertj.core.api.Assertions.assertThat;

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
}
