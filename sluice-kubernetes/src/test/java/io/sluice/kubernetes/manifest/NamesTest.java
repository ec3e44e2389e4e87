package io.sluice.kubernetes.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {
    @ParameterizedTest
    @ValueSource(
            strings = {
                "orders",
                "Orders_2024",
                "focus.aws-cur2",
                "9lives",
                "a-very-long-pipeline-name-that-goes-on-and-on-and-on-past-every-limit-kubernetes-has",
                "x"
            })
    void everyNameIsAValidObjectNameWithItsLongestSuffix(String pipeline) {
        Names n = Names.of(pipeline);
        for (String name : new String[] {n.named("controller"), n.named("plan"), n.secret(), n.base()}) {
            assertThat(name).matches("[a-z]([-a-z0-9]*[a-z0-9])?");
        }
        assertThat(n.named("controller")).hasSizeLessThanOrEqualTo(63);
        assertThat(n.named("plan")).as("a CronJob's name").hasSizeLessThanOrEqualTo(52);
        assertThat(n.instance()).hasSizeLessThanOrEqualTo(63).matches("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    }

    @ParameterizedTest
    @ValueSource(strings = {"orders", "orders-eu"})
    void aValidNameStaysAsItIs(String pipeline) {
        assertThat(Names.of(pipeline).base()).isEqualTo(pipeline);
        assertThat(Names.of(pipeline).instance()).isEqualTo(pipeline);
    }

    /**
     * A pipeline name may end in {@code -}, which no object name may: {@code orders-} must not become {@code orders},
     * the name (and the instance label) of another pipeline, whose objects {@code apply} would overwrite and prune.
     */
    @ParameterizedTest
    @ValueSource(strings = {"orders-", "orders--", "orders-_"})
    void aNameCutToAnotherPipelinesNameGetsAHash(String pipeline) {
        Names n = Names.of(pipeline);
        assertThat(n.base())
                .startsWith("orders-")
                .isNotEqualTo(Names.of("orders").base());
        assertThat(n.instance()).isNotEqualTo(Names.of("orders").instance());
        assertThat(n.selector()).isNotEqualTo(Names.of("orders").selector());
        assertThat(n.named("controller")).matches("[a-z]([-a-z0-9]*[a-z0-9])?");
    }

    @ParameterizedTest
    @ValueSource(strings = {"my_pipe", "my.pipe", "My-pipe"})
    void namesThatHadToChangeNeverMeetTheNameTheyBecame(String pipeline) {
        assertThat(Names.of(pipeline).base())
                .startsWith("my-pipe-")
                .isNotEqualTo(Names.of("my-pipe").base());
        assertThat(Names.of(pipeline).instance()).isEqualTo(pipeline);
    }
}
