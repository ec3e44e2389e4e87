package io.sluice.sources.files;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the files source names its splits and sets their output keys: what the planner and the sink agree on. */
class SplitNamesTest {

    @Test
    void aWholeFileIsKeyedByItsPathInEveryVersion() {
        Member v1 = Member.whole("a@b.csv", "10:1", null);
        Member v2 = Member.whole("a@b.csv", "12:2", null);
        assertThat(SplitNames.file(v1, 10, false, null).id()).isEqualTo("a@@b.csv");
        assertThat(SplitNames.file(v1, 10, false, null).outputKey())
                .isEqualTo(new OutputKey("a@b.csv", "10:1", 0, Member.WHOLE));
        Split later = SplitNames.file(v2, 12, true, null);
        assertThat(later.id()).isEqualTo("a@@b.csv@12:2");
        assertThat(later.outputKey()).isEqualTo(new OutputKey("a@b.csv", "12:2", 0, Member.WHOLE));
    }

    @Test
    void aRangeIsKeyedByItsFileWithItsVersionAndBytes() {
        Member m = new Member("big.csv", "99:5", 100, 200, null);
        assertThat(SplitNames.range(m, false, null).id()).isEqualTo("big.csv#100-200");
        assertThat(SplitNames.range(m, true, null).id()).isEqualTo("big.csv#100-200@99:5");
        assertThat(SplitNames.range(m, false, null).outputKey()).isEqualTo(new OutputKey("big.csv", "99:5", 100, 200));
        assertThat(SplitNames.range(m, true, null).outputKey()).isEqualTo(new OutputKey("big.csv", "99:5", 100, 200));
    }

    @Test
    void aKeysSeparatorsAreDoubledInIdsSoThatNoFilesIdIsAnothersRangeOrVersion() {
        Member big = new Member("big.csv", "99:5", 0, 100, null);
        Member lookalike = Member.whole("big.csv#0-100", "10:1", null);
        assertThat(SplitNames.file(lookalike, 10, false, null).id())
                .isEqualTo("big.csv##0-100")
                .isNotEqualTo(SplitNames.range(big, false, null).id());
        Member later = Member.whole("a.csv@12:2", "10:1", null);
        assertThat(SplitNames.file(later, 10, false, null).id())
                .isEqualTo("a.csv@@12:2")
                .isNotEqualTo(SplitNames.file(Member.whole("a.csv", "12:2", null), 12, true, null)
                        .id());
        assertThat(SplitNames.range(new Member("x#@.csv", "9:9", 0, 5, null), true, null)
                        .id())
                .isEqualTo("x##@@.csv#0-5@9:9");
        assertThat(SplitNames.file(Member.whole("plain-2024:01.csv", "1:1", null), 1, false, null)
                        .id())
                .as("unchanged for keys without them, as ledgers hold them")
                .isEqualTo("plain-2024:01.csv");
    }

    @Test
    void aPackIsKeyedByItsFirstIdInEveryVersion() {
        List<Member> members = List.of(Member.whole("a+1:x.csv", "1:1", null), Member.whole("b.csv", "2:2", null));
        Split first = SplitNames.pack(members, 3, null);
        assertThat(first.id()).startsWith("pack:a+1:x.csv+1:").hasSize("pack:a+1:x.csv+1:".length() + 8);
        assertThat(first.outputKey()).isEqualTo(new OutputKey(first.id(), "", 0, Member.WHOLE));
        assertThat(SplitNames.firstPack(first)).isTrue();
        assertThat(SplitNames.pack(members, 3, null).id())
                .as("stable for every planner")
                .isEqualTo(first.id());

        List<Member> changed = List.of(Member.whole("a+1:x.csv", "1:1", null), Member.whole("b.csv", "3:3", null));
        String version = SplitNames.repackVersion(changed, first.id());
        Split again = SplitNames.repack(first.id(), version, changed, 4, null);
        assertThat(again.id()).isEqualTo(first.id() + "@" + version);
        assertThat(again.outputKey().key()).isEqualTo(first.id());
        assertThat(again.outputKey().version()).hasSize(16);
        assertThat(SplitNames.firstPack(again))
                .as("a later version is no first pack")
                .isFalse();
        assertThat(SplitNames.repackVersion(members, first.id())).isNotEqualTo(version);
        assertThat(SplitNames.repackVersion(changed, again.id()))
                .as("the same files in the same versions, after another registration")
                .isNotEqualTo(version);
    }
}
