package io.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code run.schedule} runs at the times a Kubernetes CronJob with the same schedule runs (robfig/cron's rules). */
class CronScheduleTest {
    private static final ZoneId UTC = ZoneOffset.UTC;

    /** The next {@code n} times after {@code from}. */
    private static List<String> times(String expression, ZoneId zone, String from, int n) {
        CronSchedule s = CronSchedule.parse(expression, zone);
        List<String> out = new ArrayList<>();
        Instant t = Instant.parse(from);
        for (int i = 0; i < n; i++) {
            t = s.next(t);
            out.add(t.toString());
        }
        return out;
    }

    @Test
    void dailyHourlyStepsListsAndRanges() {
        assertThat(times("0 2 * * *", UTC, "2026-12-03T02:00:00Z", 2))
                .as("strictly after: a run at 02:00 plans the next day's")
                .containsExactly("2026-12-04T02:00:00Z", "2026-12-05T02:00:00Z");
        assertThat(times("*/15 * * * *", UTC, "2026-12-03T02:07:30Z", 3))
                .containsExactly("2026-12-03T02:15:00Z", "2026-12-03T02:30:00Z", "2026-12-03T02:45:00Z");
        assertThat(times("5,35 8-9 * * *", UTC, "2026-12-03T00:00:00Z", 5))
                .containsExactly(
                        "2026-12-03T08:05:00Z",
                        "2026-12-03T08:35:00Z",
                        "2026-12-03T09:05:00Z",
                        "2026-12-03T09:35:00Z",
                        "2026-12-04T08:05:00Z");
        assertThat(times("10/20 * * * *", UTC, "2026-12-03T00:00:00Z", 3))
                .as("`10/20` is `10-59/20`")
                .containsExactly("2026-12-03T00:10:00Z", "2026-12-03T00:30:00Z", "2026-12-03T00:50:00Z");
        assertThat(times("0 0 * * MON-FRI", UTC, "2026-12-04T12:00:00Z", 2))
                .as("Friday 4 Dec, then Monday")
                .containsExactly("2026-12-07T00:00:00Z", "2026-12-08T00:00:00Z");
        assertThat(times("0 0 1 jan,Jul ?", UTC, "2026-12-03T00:00:00Z", 2))
                .containsExactly("2027-01-01T00:00:00Z", "2027-07-01T00:00:00Z");
        assertThat(times("0 0 29 2 *", UTC, "2026-12-03T00:00:00Z", 1)).containsExactly("2028-02-29T00:00:00Z");
    }

    @Test
    void bothDayFieldsRestrictedMeansEitherAsInCronAndKubernetes() {
        // every 13th and every Friday, not only Fridays the 13th
        assertThat(times("0 0 13 * 5", UTC, "2026-12-03T00:00:00Z", 4))
                .containsExactly(
                        "2026-12-04T00:00:00Z", // Friday
                        "2026-12-11T00:00:00Z", // Friday
                        "2026-12-13T00:00:00Z", // Sunday the 13th
                        "2026-12-18T00:00:00Z");
        assertThat(times("0 0 13 * *", UTC, "2026-12-03T00:00:00Z", 1))
                .as("one day field `*`: the other decides")
                .containsExactly("2026-12-13T00:00:00Z");
        assertThat(times("0 0 */2 * 5", UTC, "2026-12-03T00:00:00Z", 3))
                .as("`*/2` is a restriction, not `*`")
                .as("odd days (1, 3, 5 ...) or Fridays")
                .containsExactly("2026-12-04T00:00:00Z", "2026-12-05T00:00:00Z", "2026-12-07T00:00:00Z");
    }

    @Test
    void macrosAsKubernetesTakesThem() {
        assertThat(times("@daily", UTC, "2026-12-03T10:00:00Z", 1)).containsExactly("2026-12-04T00:00:00Z");
        assertThat(times("@hourly", UTC, "2026-12-03T10:00:00Z", 1)).containsExactly("2026-12-03T11:00:00Z");
        assertThat(times("@weekly", UTC, "2026-12-03T10:00:00Z", 1)).containsExactly("2026-12-06T00:00:00Z");
        assertThat(times("@monthly", UTC, "2026-12-03T10:00:00Z", 1)).containsExactly("2027-01-01T00:00:00Z");
        assertThat(times("@yearly", UTC, "2026-12-03T10:00:00Z", 1)).containsExactly("2027-01-01T00:00:00Z");
    }

    @Test
    void aTimeZoneAndItsDaylightSavingChanges() {
        ZoneId paris = ZoneId.of("Europe/Paris");
        assertThat(times("0 2 * * *", paris, "2026-12-03T00:00:00Z", 1))
                .as("02:00 in Paris is 01:00 UTC in winter")
                .containsExactly("2026-12-03T01:00:00Z");
        // 29 March 2026: 02:00-03:00 does not exist in Paris; 02:30 runs shifted by the change (03:30 CEST), once
        assertThat(times("30 2 * * *", paris, "2026-03-28T12:00:00Z", 2))
                .containsExactly("2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z");
        // 25 October 2026: 02:00-03:00 happens twice; the run happens the first time only
        assertThat(times("30 2 * * *", paris, "2026-10-24T12:00:00Z", 2))
                .containsExactly("2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z");
    }

    /**
     * The hour a clock set back repeats is an hour of real time: a schedule of every hour runs in it again, as
     * Kubernetes does (robfig/cron walks real time), instead of waiting two hours for its next run. A schedule of fixed
     * hours still runs once that day (Kubernetes would run {@code 30 2 * * *} twice).
     */
    @Test
    void aScheduleOfEveryHourRunsInTheHourAClockSetBackRepeats() {
        ZoneId paris = ZoneId.of("Europe/Paris");
        // 25 October 2026: 03:00 CEST (01:00Z) becomes 02:00 CET
        assertThat(times("0 * * * *", paris, "2026-10-24T23:30:00Z", 4))
                .containsExactly(
                        "2026-10-25T00:00:00Z", // 02:00 CEST
                        "2026-10-25T01:00:00Z", // 02:00 CET
                        "2026-10-25T02:00:00Z", // 03:00 CET
                        "2026-10-25T03:00:00Z");
        assertThat(times("*/20 * * * *", paris, "2026-10-25T00:30:00Z", 5))
                .containsExactly(
                        "2026-10-25T00:40:00Z", // 02:40 CEST
                        "2026-10-25T01:00:00Z", // 02:00 CET
                        "2026-10-25T01:20:00Z",
                        "2026-10-25T01:40:00Z",
                        "2026-10-25T02:00:00Z"); // 03:00 CET
        assertThat(times("30 * * * *", paris, "2026-10-25T01:10:00Z", 1))
                .as("started at 02:10 CET, in the repeated hour")
                .containsExactly("2026-10-25T01:30:00Z");
        assertThat(times("*/30 2 * * *", paris, "2026-10-24T12:00:00Z", 3))
                .as("fixed hours: each local time once")
                .containsExactly("2026-10-25T00:00:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:00:00Z");
    }

    @Test
    void mistakesNameTheFieldTheValueAndWhatIsAllowed() {
        assertThatThrownBy(() -> CronSchedule.parse("0 24 * * *", UTC))
                .hasMessageContaining("the hour field (2nd) `24` is outside 0-23")
                .hasMessageContaining("day of week 0-6 or SUN-SAT");
        assertThatThrownBy(() -> CronSchedule.parse("0 2 * *", UTC)).hasMessageContaining("4 field(s), not 5");
        assertThatThrownBy(() -> CronSchedule.parse("0 0 2 * * *", UTC)).hasMessageContaining("6 field(s), not 5");
        assertThatThrownBy(() -> CronSchedule.parse("0 0 * * 7", UTC))
                .as("Kubernetes refuses 7 for Sunday too")
                .hasMessageContaining("the day of week field (5th) `7` is outside 0-6");
        assertThatThrownBy(() -> CronSchedule.parse("x 0 * * *", UTC))
                .hasMessageContaining("the minute field (1st) `x` is not a number");
        assertThatThrownBy(() -> CronSchedule.parse("0 0 * FOO *", UTC))
                .hasMessageContaining("the month field (4th) `FOO` is not a number or a name");
        assertThatThrownBy(() -> CronSchedule.parse("*/0 * * * *", UTC)).hasMessageContaining("step `/0`");
        assertThatThrownBy(() -> CronSchedule.parse("0 5-2 * * *", UTC)).hasMessageContaining("starts after it ends");
        assertThatThrownBy(() -> CronSchedule.parse("0 0 30 2 *", UTC)).hasMessageContaining("never runs");
        assertThatThrownBy(() -> CronSchedule.parse("@every 5m", UTC)).hasMessageContaining("run.interval");
        assertThatThrownBy(() -> CronSchedule.parse("CRON_TZ=UTC 0 2 * * *", UTC))
                .hasMessageContaining("run.time_zone");
        assertThatThrownBy(() -> CronSchedule.parse("1,,2 * * * *", UTC)).hasMessageContaining("empty value");
    }
}
