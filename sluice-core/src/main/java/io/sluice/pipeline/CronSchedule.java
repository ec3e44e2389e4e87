package io.sluice.pipeline;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code run.schedule}: a cron schedule as a Kubernetes CronJob takes it, so a pipeline runs at the same times on a
 * laptop and in a cluster. Five fields (minute, hour, day of month, month, day of week) of numbers, names ({@code
 * JAN}, {@code MON}), {@code *} or {@code ?}, ranges, lists and steps, or a macro ({@code @daily} ...). As in cron and
 * Kubernetes, when both day fields are restricted a day matching either runs; when one is {@code *} or {@code ?}, the
 * other decides.
 *
 * <p>Not a library's: cron-utils 9.2.1, tried first, runs {@code 0 0 13 * 5} on Fridays the 13th only (Kubernetes runs
 * it on every 13th and every Friday) and fails on {@code ? * ?}.
 *
 * @param expression as written
 * @param zone {@code run.time_zone}, UTC by default (here and in the CronJob, whatever the machine's zone)
 */
public record CronSchedule(String expression, ZoneId zone, Fields fields) {
    /** What each field takes, for messages and docs. */
    public static final String SYNTAX = "5 fields: minute 0-59, hour 0-23, day of month 1-31, month 1-12 or JAN-DEC, "
            + "day of week 0-6 or SUN-SAT (0 is Sunday); each `*`, a number, a range `1-5`, a list `1,15`, a step "
            + "`*/15` or `0-30/10`; or @hourly, @daily, @weekly, @monthly, @yearly; e.g. `0 2 * * *`";

    private static final Map<String, String> MACROS = Map.of(
            "@yearly", "0 0 1 1 *",
            "@annually", "0 0 1 1 *",
            "@monthly", "0 0 1 * *",
            "@weekly", "0 0 * * 0",
            "@daily", "0 0 * * *",
            "@midnight", "0 0 * * *",
            "@hourly", "0 * * * *");

    private static final List<String> MONTHS =
            List.of("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec");
    private static final List<String> DAYS = List.of("sun", "mon", "tue", "wed", "thu", "fri", "sat");

    private record Bounds(String name, int min, int max, List<String> names) {}

    private static final List<Bounds> BOUNDS = List.of(
            new Bounds("minute", 0, 59, List.of()),
            new Bounds("hour", 0, 23, List.of()),
            new Bounds("day of month", 1, 31, List.of()),
            new Bounds("month", 1, 12, MONTHS),
            new Bounds("day of week", 0, 6, DAYS));

    /** The parsed fields: a bit per allowed value; {@code anyDay...}: the field was {@code *} or {@code ?}. */
    public record Fields(
            long minutes, long hours, long daysOfMonth, long months, long daysOfWeek, boolean anyDom, boolean anyDow) {}

    /**
     * Parses a schedule; a mistake throws {@link IllegalArgumentException} naming the field, the value and what the
     * field allows. A schedule that matches no date (February 30) is refused too: it would never run.
     */
    public static CronSchedule parse(String expression, ZoneId zone) {
        String text = expression.trim();
        if (text.startsWith("@")) {
            String macro = MACROS.get(text.toLowerCase(Locale.ROOT));
            if (macro == null) {
                throw new IllegalArgumentException("`" + text + "` is not one of @hourly, @daily, @midnight, @weekly, "
                        + "@monthly, @yearly, @annually"
                        + (text.startsWith("@every")
                                ? " (for a fixed period, use " + "`run.interval` with `mode: watch` and no schedule)"
                                : ""));
            }
            text = macro;
        }
        if (text.startsWith("TZ=") || text.startsWith("CRON_TZ=")) {
            throw new IllegalArgumentException("a time zone in the schedule is not accepted (nor by Kubernetes): set "
                    + "`run.time_zone` instead");
        }
        String[] parts = text.split("\\s+");
        if (parts.length != 5) {
            throw new IllegalArgumentException(
                    "has " + parts.length + " field(s), not 5 (a seconds or a year field " + "is not accepted)");
        }
        long[] bits = new long[5];
        boolean[] star = new boolean[5];
        for (int i = 0; i < 5; i++) {
            Bounds b = BOUNDS.get(i);
            for (String part : parts[i].split(",", -1)) {
                long one = range(b, i, part);
                bits[i] |= one & ~STAR;
                star[i] |= (one & STAR) != 0;
            }
        }
        Fields f = new Fields(bits[0], bits[1], bits[2], bits[3], bits[4], star[2], star[4]);
        CronSchedule s = new CronSchedule(expression, zone, f);
        // every day-of-month and month pair comes within 8 years (Feb 29 with any weekday included)
        if (s.next(LocalDateTime.of(2000, 1, 1, 0, 0), 8).isEmpty()) {
            throw new IllegalArgumentException(
                    "never runs: no month of the schedule has the day of month it names (e.g. `30 2`: no February 30)");
        }
        return s;
    }

    /** Marks a part that was {@code *} or {@code ?} (no step above 1), above every value's bit. */
    private static final long STAR = 1L << 63;

    private static long range(Bounds b, int index, String part) {
        String where = "the " + b.name() + " field (" + ordinal(index) + ")";
        if (part.isEmpty()) throw new IllegalArgumentException(where + " has an empty value: " + SYNTAX);
        String[] rangeAndStep = part.split("/", -1);
        if (rangeAndStep.length > 2) {
            throw new IllegalArgumentException(where + " `" + part + "` has more than one `/`: " + SYNTAX);
        }
        String[] lowHigh = rangeAndStep[0].split("-", -1);
        if (lowHigh.length > 2) {
            throw new IllegalArgumentException(where + " `" + part + "` has more than one `-`: " + SYNTAX);
        }
        int start;
        int end;
        long extra = 0;
        if (lowHigh[0].equals("*") || lowHigh[0].equals("?")) {
            if (lowHigh.length > 1) throw new IllegalArgumentException(where + " `" + part + "`: " + SYNTAX);
            start = b.min();
            end = b.max();
            extra = STAR;
        } else {
            start = value(b, where, lowHigh[0]);
            end = lowHigh.length == 2 ? value(b, where, lowHigh[1]) : start;
        }
        int step = 1;
        if (rangeAndStep.length == 2) {
            step = positive(where, rangeAndStep[1]);
            if (lowHigh.length == 1) end = b.max(); // `5/10` is `5-max/10`
            if (step > 1) extra = 0;
        }
        if (start < b.min() || end > b.max()) {
            throw new IllegalArgumentException(
                    where + " `" + part + "` is outside " + b.min() + "-" + b.max() + ": " + SYNTAX);
        }
        if (start > end) {
            throw new IllegalArgumentException(where + " `" + part + "` starts after it ends: " + SYNTAX);
        }
        long bits = 0;
        for (int v = start; v <= end; v += step) bits |= 1L << v;
        return bits | extra;
    }

    private static int value(Bounds b, String where, String text) {
        int name = b.names().indexOf(text.toLowerCase(Locale.ROOT));
        if (name >= 0) return name + b.min();
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + " `" + text + "` is not a number"
                    + (b.names().isEmpty() ? "" : " or a name") + ": " + SYNTAX);
        }
    }

    private static int positive(String where, String text) {
        try {
            int step = Integer.parseInt(text);
            if (step > 0) return step;
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException(where + " has the step `/" + text + "`: a step is a whole number above 0");
    }

    private static String ordinal(int index) {
        return List.of("1st", "2nd", "3rd", "4th", "5th").get(index);
    }

    /**
     * The first time of the schedule strictly after {@code after}, in its zone. A local time that a daylight-saving
     * change skips runs shifted by the change (02:30 on a day that goes from 02:00 to 03:00 runs at 03:30), once; one
     * that a change repeats runs the first time, except that a schedule of every hour runs in the repeated hour too
     * (it is an hour of real time, and Kubernetes runs it).
     */
    public Instant next(Instant after) {
        Instant first = nextFirstOccurrence(after);
        if (fields.hours() != EVERY_HOUR) return first;
        ZoneRules rules = zone.getRules();
        return Stream.of(rules.previousTransition(after.plusNanos(1)), rules.nextTransition(after))
                .filter(tr -> tr != null && tr.isOverlap())
                .map(tr -> inRepeatedHour(tr, after))
                .flatMap(Optional::stream)
                .filter(t -> t.isBefore(first))
                .findFirst()
                .orElse(first);
    }

    private static final long EVERY_HOUR = (1L << 24) - 1;

    /** The first time after {@code after} in the local times the clock set back at {@code tr} repeats, repeated. */
    private Optional<Instant> inRepeatedHour(ZoneOffsetTransition tr, Instant after) {
        LocalDateTime from = after.isBefore(tr.getInstant())
                ? tr.getDateTimeAfter()
                : LocalDateTime.ofInstant(after, tr.getOffsetAfter())
                        .truncatedTo(ChronoUnit.MINUTES)
                        .plusMinutes(1);
        return next(from, 1)
                .filter(t -> t.isBefore(tr.getDateTimeBefore()))
                .map(t -> t.toInstant(tr.getOffsetAfter()))
                .filter(at -> at.isAfter(after));
    }

    /** {@link #next(Instant)} where each local time runs once, at its first occurrence. */
    private Instant nextFirstOccurrence(Instant after) {
        LocalDateTime from = LocalDateTime.ofInstant(after, zone)
                .truncatedTo(ChronoUnit.MINUTES)
                .plusMinutes(1);
        while (true) {
            LocalDateTime t = next(from, 8).orElseThrow(() -> new IllegalStateException("no time: " + expression));
            Instant at = ZonedDateTime.ofLocal(t, zone, null).toInstant();
            if (at.isAfter(after)) return at;
            from = t.plusMinutes(1); // the first of a time that a clock set back repeats
        }
    }

    /** The first local time at or after {@code from} that the fields match, within {@code years}. */
    private Optional<LocalDateTime> next(LocalDateTime from, int years) {
        int lastYear = from.getYear() + years;
        LocalDateTime t = from;
        while (t.getYear() <= lastYear) {
            if (!has(fields.months(), t.getMonthValue())) {
                t = t.toLocalDate().withDayOfMonth(1).plusMonths(1).atStartOfDay();
            } else if (!dayMatches(t.toLocalDate())) {
                t = t.toLocalDate().plusDays(1).atStartOfDay();
            } else if (!has(fields.hours(), t.getHour())) {
                t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
            } else if (!has(fields.minutes(), t.getMinute())) {
                t = t.plusMinutes(1);
            } else {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    private boolean dayMatches(LocalDate d) {
        boolean dom = has(fields.daysOfMonth(), d.getDayOfMonth());
        boolean dow = has(
                fields.daysOfWeek(),
                d.getDayOfWeek() == DayOfWeek.SUNDAY ? 0 : d.getDayOfWeek().getValue());
        return fields.anyDom() || fields.anyDow() ? dom && dow : dom || dow;
    }

    private static boolean has(long bits, int value) {
        return (bits & (1L << value)) != 0;
    }

    /** The next run after {@code now}, for a person: {@code 2026-12-04T02:00+01:00 (0 2 * * * in Europe/Paris)}. */
    public String nextRun(Instant now) {
        return next(now).atZone(zone).toOffsetDateTime() + " (" + this + ")";
    }

    @Override
    public String toString() {
        return expression + " in " + zone;
    }
}
