package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.testkit.Workspace;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One large usage log cut into many byte ranges and aggregated: the totals are exactly those of an independent count
 * of the file's lines in Java, whatever the file's line endings, whether its last line ends with a newline, and where
 * multi-byte UTF-8 characters fall relative to the range borders.
 */
class RangeTotalsTest {
    private static final int SPLIT = 2048;
    /** Names starting with a multi-byte character: a range starts with one at every border made exact. */
    private static final String[] WIDE = {"日本", "ëlise", "Ωmega", "ünïcødé", "😀emoji"};

    private static final String[] CONSUMERS = {"日本", "zoë", "ëlise", "Ωmega", "ünïcødé", "😀emoji", "alice", "bob"};
    private static final String[] RESOURCES = {"cpu", "mém", "ストレージ"};

    @TempDir
    Path dir;

    /** The file, and the offsets where the generator made a range border fall exactly before a wide name. */
    private record Log(byte[] bytes, List<Long> exactBorders, int insideChar) {}

    private static int len(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /**
     * Writes lines {@code consumer resource amount}. Near each place the range cutter will aim at (the previous
     * cut plus {@link #SPLIT}), the lines are padded (leading zeros in the amount) so that, in turn: a line ends
     * exactly there and the next range starts with a multi-byte name; the aimed-at byte falls inside a multi-byte
     * character; the aimed-at byte is the newline itself.
     */
    private static Log generate(String eol, boolean trailingNewline, int lines, long seed) {
        Random r = new Random(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Long> exact = new ArrayList<>();
        int inside = 0;
        long next = SPLIT;
        int k = 0;
        String forcedConsumer = null;
        boolean zoeNext = false;
        for (int i = 0; i < lines; i++) {
            long pos = out.size();
            long gap = next - pos;
            String consumer = forcedConsumer != null ? forcedConsumer : CONSUMERS[r.nextInt(CONSUMERS.length)];
            forcedConsumer = null;
            String resource = RESOURCES[r.nextInt(RESOURCES.length)];
            String amount = Integer.toString(r.nextInt(100_000));
            if (gap <= 150 && !zoeNext) {
                String head = consumer + " " + resource + " ";
                switch (k++ % 3) {
                    case 0 -> { // this line ends exactly at the aim: the next range starts with a wide name
                        amount = "0".repeat((int) (gap - len(head) - amount.length() - len(eol))) + amount;
                        next = pos + gap + SPLIT;
                        exact.add(pos + gap);
                        forcedConsumer = WIDE[r.nextInt(WIDE.length)];
                    }
                    case 1 -> { // the line after this one has "zoë" with the aimed-at byte inside "ë"
                        amount = "0".repeat((int) (gap - 3 - len(head) - amount.length() - len(eol))) + amount;
                        forcedConsumer = "zoë";
                        zoeNext = true;
                        inside++;
                    }
                    default -> { // the aimed-at byte is this line's newline
                        amount = "0".repeat((int) (gap + 1 - len(head) - amount.length() - len(eol))) + amount;
                        next = pos + gap + 1 + SPLIT;
                    }
                }
                assertThat(len(head + amount + eol)).isLessThanOrEqualTo((int) gap + 1);
            }
            boolean zoe = consumer.equals("zoë") && zoeNext && forcedConsumer == null;
            String line = consumer + " " + resource + " " + amount + (i < lines - 1 || trailingNewline ? eol : "");
            out.writeBytes(line.getBytes(StandardCharsets.UTF_8));
            if (zoe) { // the cut is at the end of the "zoë" line
                next = out.size() + SPLIT;
                zoeNext = false;
            }
        }
        return new Log(out.toByteArray(), exact, inside);
    }

    /** consumer|resource -> [lines, sum], counted line by line in Java. */
    private static Map<String, long[]> count(String text) {
        Map<String, long[]> totals = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
            if (line.isEmpty()) continue;
            String[] f = line.split(" ");
            long[] t = totals.computeIfAbsent(f[0] + "|" + f[1], x -> new long[2]);
            t[0]++;
            t[1] += Long.parseLong(f[2]);
        }
        return totals;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "lf, false, true, false",
        "lf no trailing newline, false, false, false",
        "crlf, true, true, false",
        "crlf no trailing newline, true, false, false",
        "tail lf, false, true, true",
        "tail crlf no trailing newline, true, false, true"
    })
    void rangesOfOneLargeLogGiveTheTotalsOfAnIndependentCount(
            String name, boolean crlf, boolean trailingNewline, boolean tail) throws Exception {
        Workspace ws = Workspace.in(dir);
        Log log = generate(crlf ? "\r\n" : "\n", trailingNewline, 6_000, name.hashCode());
        Path file = ws.input("big.log", log.bytes());
        assertThat(log.exactBorders()).hasSizeGreaterThan(15);
        assertThat(log.insideChar()).isGreaterThan(15);
        Path p = ws.pipeline("""
                pipeline: ranges
                source:
                  files:
                    path: in
                    format: text
                    split_size: %d
                    tail: %s
                    parse:
                      regex: '^(?<consumer>\\S+) (?<resource>\\S+) (?<amount>\\d+)$'
                      types: { amount: bigint }
                steps:
                  - aggregate:
                      group_by: [consumer, resource]
                      measures: { lines: count(*), total: sum(amount), names: count_distinct(consumer) }
                sink:
                  files: { path: out, format: parquet }
                run:
                  parallelism: 4
                """.formatted(SPLIT, tail));
        CliRun r = CliRun.run(p);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(ws.deadLetters()).as("no line is broken by a cut").isEmpty();

        // the file really was cut, and at the borders the generator aimed at
        JsonNode status = CliRun.status(p);
        List<Long> starts = new ArrayList<>();
        status.get("splits").forEach(s -> {
            assertThat(s.get("state").asText()).isEqualTo("done");
            String id = s.get("id").asText();
            assertThat(id).startsWith("big.log#");
            starts.add(Long.parseLong(id.substring("big.log#".length(), id.indexOf('-'))));
        });
        assertThat(starts.size()).isGreaterThan(log.bytes().length / SPLIT / 2);
        long lastNewline = new String(log.bytes(), StandardCharsets.ISO_8859_1).lastIndexOf('\n') + 1;
        assertThat(starts)
                .as("ranges start exactly before a multi-byte name")
                .containsAll(
                        log.exactBorders().stream().filter(b -> b < lastNewline).toList());
        for (long b : log.exactBorders())
            assertThat(log.bytes()[(int) b] & 0xFF).isGreaterThanOrEqualTo(0x80);
        for (long start : starts) {
            if (start > 0)
                assertThat(log.bytes()[(int) start - 1])
                        .as("range at %d starts after a newline", start)
                        .isEqualTo((byte) '\n');
        }

        String text = new String(log.bytes(), StandardCharsets.UTF_8);
        if (tail && !trailingNewline) {
            // a tailed log's last line waits for its newline
            text = text.substring(0, text.lastIndexOf('\n') + 1);
            long behind = log.bytes().length - text.getBytes(StandardCharsets.UTF_8).length;
            assertThat(CliRun.sluice("status", p.toString()).out()).contains(behind + " byte(s) behind");
        }
        List<String> expected = new ArrayList<>();
        count(text).forEach((k, v) -> expected.add(k + "|" + v[0] + "|" + v[1] + "|1"));
        assertThat(expected).hasSize(CONSUMERS.length * RESOURCES.length);
        CliRun.assertSameRows(ws.outputRows("consumer, resource, lines, total, names", "parquet"), expected);
        assertThat(ws.outputRows("sum(lines)", "parquet"))
                .containsExactly(Long.toString(text.lines().count()));
        assertThat(Files.size(file)).isEqualTo(log.bytes().length);
    }
}
