package io.sluice.ledger.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.spi.Member;
import io.sluice.spi.Split;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a plan's splits are grouped to be written together, all or nothing. */
class RegistrarTest {
    /**
     * The ranges of a file form one group, also apart in the plan; a split sharing an input with two groups joins
     * them. Groups come in the order of their first split, each split in the order given.
     */
    @Test
    void splitsThatShareAnInputDirectlyOrThroughAnotherAreOneGroup() {
        Split a0 = split("a#0", member("a.csv", 0));
        Split b0 = split("b#0", member("b.csv", 0));
        Split c = split("c", member("c.csv", 0));
        Split a1 = split("a#1", member("a.csv", 1));
        Split d = split("d", member("d.csv", 0));
        Split bridge = split("pack", member("d.csv", 1), member("b.csv", 1), member("a.csv", 2));
        Split e = split("e", member("e.csv", 0));

        assertThat(Registrar.byInput(List.of(a0, b0, c, a1, d, bridge, e)))
                .containsExactly(List.of(a0, b0, a1, d, bridge), List.of(c), List.of(e));
        assertThat(Registrar.byInput(List.of(c, e))).containsExactly(List.of(c), List.of(e));
        assertThat(Registrar.byInput(List.of())).isEmpty();
    }

    /**
     * A pack of 1,000 files that each came alone before links each file's own split id (its key): with keys of 150
     * characters that would add about 160 KB to the pack's item, which DynamoDB refuses past 400 KB; the links are
     * left out instead (latestDone then stops its walk there).
     */
    @Test
    void theLinksOfAPackToManyEarlierSplitsAreLeftOutPastTheirBudget() {
        java.util.Map<String, List<Integer>> few = java.util.Map.of("a.csv", List.of(0, 2), "b.csv", List.of(1));
        assertThat(Registrar.previous(few)).containsOnlyKeys("a.csv", "b.csv");
        assertThat(Registrar.previous(few).get("a.csv").s()).isEqualTo("0,2");
        assertThat(Registrar.previous(java.util.Map.of())).isNull();

        java.util.Map<String, List<Integer>> many = new java.util.HashMap<>();
        for (int i = 0; i < 1_000; i++) many.put("exports/2026/12/" + "x".repeat(120) + "-" + i + ".csv", List.of(i));
        assertThat(Registrar.previous(many)).isNull();
    }

    private static Member member(String key, long start) {
        return new Member(key, "v1", start * 100, start * 100 + 100, null);
    }

    private static Split split(String id, Member... members) {
        return new Split(id, Arrays.asList(members), 100);
    }
}
