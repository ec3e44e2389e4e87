package io.sluice.planning;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Which source kind registered a split, told by its id: what the planner refuses a switched pipeline by. */
class SourceKindsTest {
    // the jdbc and bigquery sources' patterns, as their factories give them
    private static final Pattern JDBC =
            Pattern.compile("(.+@[0-9a-f]{12})#(?:all|p\\d+of\\d+-[0-9a-f]{8}|i\\d+-[0-9a-f]{8})");
    private static final Pattern BIGQUERY = Pattern.compile("(bigquery@[0-9a-f]{12})#all");

    private final SourceKinds kinds = new SourceKinds(
            Map.of("files", Optional.empty(), "jdbc", Optional.of(JDBC), "bigquery", Optional.of(BIGQUERY)));

    @Test
    void anotherKindsSplitIsNamed() {
        assertThat(kinds.other("bigquery", "orders@0123456789ab#p1of4-0123abcd"))
                .contains("jdbc");
        assertThat(kinds.other("jdbc", "in/a.csv")).contains("files");
        assertThat(kinds.other("files", "orders@0123456789ab#i3-0123abcd")).contains("jdbc");
        assertThat(kinds.other("files", "bigquery@0123456789ab#all")).contains("bigquery or jdbc");
    }

    @Test
    void aSplitThatMayBeTheKindsOwnIsNotRefused() {
        assertThat(kinds.other("files", "in/a.csv#0-1048576")).isEmpty();
        assertThat(kinds.other("jdbc", "query@0123456789ab#all")).isEmpty();
        assertThat(kinds.other("bigquery", "bigquery@0123456789ab#all")).isEmpty();
        // a jdbc table named bigquery has the same ids: the jdbc source's own check tells its definitions apart
        assertThat(kinds.other("jdbc", "bigquery@0123456789ab#all")).isEmpty();
    }

    @Test
    void anIdNoKindOnTheClassPathFitsIsNotRefused() {
        SourceKinds patternedOnly = new SourceKinds(Map.of("jdbc", Optional.of(JDBC)));
        assertThat(patternedOnly.other("jdbc", "in/a.csv")).isEmpty();
    }
}
