package io.sluice.sources.jdbc;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * A value of an incremental read's cursor (a timestamp) as an instant, from the text the database gives (sessions run
 * in UTC, see {@link Dialect#prepare}) or a user writes: a date, a date and time ({@code T} or a space between), with
 * or without fractions and an offset ({@code Z}, {@code +02}, {@code +0200}, {@code +02:00}). Without an offset the
 * time is UTC, as the database's sessions read it.
 */
final class CursorValue {
    static final String FORMS = "a date (2026-11-01) or a date and time (2026-11-01 06:30:00, 2026-11-01T06:30:00Z, "
            + "2026-11-01 06:30:00+02:00); without an offset the time is UTC";

    private CursorValue() {}

    /** The instant, or an IllegalArgumentException naming {@code what} and the forms read. */
    static Instant parse(String text, String what) {
        return parse(text, what, ZoneOffset.UTC);
    }

    /** The instant of a value whose time, without an offset, is a wall-clock time in {@code zone}. */
    static Instant parse(String text, String what, ZoneId zone) {
        String t = text.strip().toUpperCase(Locale.ROOT);
        if (t.length() > 10 && t.charAt(10) == ' ') t = t.substring(0, 10) + "T" + t.substring(11);
        if (t.indexOf('T') > 0) { // an offset without minutes or colon, as PostgreSQL prints one: +00, +0530
            t = t.replaceFirst("T(.*[+-]\\d\\d)$", "T$1:00").replaceFirst("T(.*[+-]\\d\\d)(\\d\\d)$", "T$1:$2");
        }
        try {
            if (t.length() == 10) return LocalDate.parse(t).atStartOfDay(zone).toInstant();
            if (t.endsWith("Z") || t.matches(".*T.*[+-]\\d\\d:\\d\\d$"))
                return OffsetDateTime.parse(t).toInstant();
            return LocalDateTime.parse(t).atZone(zone).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(what + ": '" + text + "' is not a timestamp; write " + FORMS, e);
        }
    }
}
