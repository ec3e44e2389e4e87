package io.sluice.kubernetes.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.pipeline.CronSchedule;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The planner CronJob of a pool runs evenly about every {@code run.interval}: {@code *}{@code /45 * * * *} would run at
 * :00 and :45 (45 then 15 minutes apart), {@code *}{@code /59} 59 then 1.
 */
class PlannerScheduleTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "PT30S, * * * * *, 1",
        "PT90S, */2 * * * *, 2",
        "PT7M, */10 * * * *, 10",
        "PT45M, 0 * * * *, 60",
        "PT60M, 0 * * * *, 60",
        "PT90M, 0 */2 * * *, 120",
        "PT5H, 0 */6 * * *, 360",
        "PT25H, 0 0 * * *, 1440"
    })
    void runsEvenlyAtLeastAsOftenAsAStepOfCronAllows(String interval, String schedule, long minutesApart) {
        String every = Manifests.every(Duration.parse(interval));
        assertThat(every).isEqualTo(schedule);
        CronSchedule cron = CronSchedule.parse(every, ZoneOffset.UTC);
        Set<Long> gaps = new HashSet<>();
        Instant t = cron.next(Instant.parse("2026-12-04T00:00:30Z"));
        for (int i = 0; i < 200; i++) {
            Instant next = cron.next(t);
            gaps.add(Duration.between(t, next).toMinutes());
            t = next;
        }
        assertThat(gaps).as("every run as far from the one before").containsExactly(minutesApart);
        assertThat(minutesApart * 60)
                .isGreaterThanOrEqualTo(Math.min(Duration.parse(interval).toSeconds(), 86400));
    }
}
