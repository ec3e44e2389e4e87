package io.sluice.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The output key of a split, read back from its id and members: what the planner and the sink agree on. */
class OutputKeyTest {

    private static Optional<OutputKey> of(String id, Member... members) {
        return OutputKey.of(new Split(id, List.of(members), 1));
    }

    @Test
    void aWholeFileIsKeyedByItsPathInEveryVersion() {
        Member v1 = Member.whole("a@b.csv", "10:1", null);
        Member v2 = Member.whole("a@b.csv", "12:2", null);
        assertThat(of(OutputKey.fileId("a@b.csv", "10:1", false), v1)).contains(new OutputKey("a@b.csv", "10:1", 0, Member.WHOLE));
        assertThat(of(OutputKey.fileId("a@b.csv", "12:2", true), v2)).contains(new OutputKey("a@b.csv", "12:2", 0, Member.WHOLE));
        assertThat(OutputKey.fileId("a@b.csv", "12:2", true)).isEqualTo("a@b.csv@12:2");
    }

    @Test
    void aRangeIsKeyedByItsFileWithItsVersionAndBytes() {
        Member m = new Member("big.csv", "99:5", 100, 200, null);
        assertThat(of(OutputKey.rangeId("big.csv", 100, 200, "99:5", false), m)).contains(new OutputKey("big.csv", "99:5", 100, 200));
        assertThat(of(OutputKey.rangeId("big.csv", 100, 200, "99:5", true), m)).contains(new OutputKey("big.csv", "99:5", 100, 200));
    }

    @Test
    void aPackIsKeyedByItsFirstIdInEveryVersion() {
        List<Member> members = List.of(Member.whole("a+1:x.csv", "1:1", null), Member.whole("b.csv", "2:2", null));
        String first = OutputKey.packId(members);
        assertThat(first).startsWith("pack:a+1:x.csv+1:");
        assertThat(OutputKey.of(new Split(first, members, 3))).contains(new OutputKey(first, "", 0, Member.WHOLE));
        assertThat(OutputKey.packSize(first)).isEqualTo(2);

        List<Member> changed = List.of(Member.whole("a+1:x.csv", "1:1", null), Member.whole("b.csv", "3:3", null));
        String again = OutputKey.repackId(first, changed);
        assertThat(OutputKey.of(new Split(again, changed, 4))).hasValueSatisfying(k -> {
            assertThat(k.key()).isEqualTo(first);
            assertThat(k.version()).hasSize(16).isNotEmpty();
        });
        assertThat(OutputKey.packSize(again)).as("a later version is no pack key").isEqualTo(-1);
        assertThatThrownBy(() -> OutputKey.repackId(again, changed)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void otherIdsHaveNoOutputKey() {
        // a tailed log's range: the member is the log's identity, not the file's path
        assertThat(of("app.log#0-512@6d013cdf", new Member("6d013cdf00", "g1", 0, 512, null))).isEmpty();
        assertThat(of("a.csv@other", Member.whole("a.csv", "1:1", null))).isEmpty();
        assertThat(of("something", Member.whole("a.csv", "1:1", null), Member.whole("b.csv", "1:1", null))).isEmpty();
    }

    @Test
    void onlyDisjointRangesOfOneVersionAreSiblings() {
        OutputKey a = new OutputKey("f", "v1", 0, 100);
        assertThat(a.sibling(new OutputKey("f", "v1", 100, 200))).isTrue();
        assertThat(new OutputKey("f", "v1", 100, 200).sibling(a)).isTrue();
        assertThat(a.sibling(new OutputKey("f", "v2", 100, 200))).as("another version").isFalse();
        assertThat(a.sibling(new OutputKey("f", "v1", 50, 150))).as("another cut of the version").isFalse();
        assertThat(a.sibling(new OutputKey("f", "v1", 0, Member.WHOLE))).isFalse();
        assertThat(a.sibling(new OutputKey("g", "v1", 100, 200))).isFalse();
    }
}
