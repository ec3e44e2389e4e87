package io.sluice.sources.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CsvBytesTest {
    /** Values of every kind, many of them across the buffer's ends, come out as the String they stand for. */
    @Test
    void valuesAcrossTheBufferComeOutWhole() throws Exception {
        List<String> texts = List.of("", "\"", "a\"\"b", "é 日本 😀", ",\n\r", "plain");
        String longer = "é\"".repeat(40_000); // longer than the buffer
        long[] numbers = {0, 7, -7, 10, -10, Long.MAX_VALUE, Long.MIN_VALUE, 1_000_000_000_000L};
        Random random = new Random(46);
        StringBuilder expected = new StringBuilder();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (CsvBytes out = new CsvBytes(bytes)) {
            for (int i = 0; i < 20_000; i++) {
                String text = i % 5_000 == 1 ? longer : texts.get(random.nextInt(texts.size()));
                long number = numbers[random.nextInt(numbers.length)];
                out.quoted(text.getBytes(StandardCharsets.UTF_8));
                out.put(',');
                out.number(number);
                out.put(',');
                out.text(text);
                out.put('\n');
                expected.append('"')
                        .append(text.replace("\"", "\"\""))
                        .append("\",")
                        .append(number)
                        .append(',');
                expected.append(text).append('\n');
            }
        }
        byte[] written = bytes.toByteArray();
        byte[] wanted = expected.toString().getBytes(StandardCharsets.UTF_8);
        int at = Arrays.mismatch(written, wanted);
        assertThat(at)
                .as(
                        "the first byte that differs, of %s written and %s wanted, near: %s",
                        written.length,
                        wanted.length,
                        at < 0
                                ? ""
                                : new String(written, at, Math.min(40, written.length - at), StandardCharsets.UTF_8))
                .isEqualTo(-1);
    }
}
