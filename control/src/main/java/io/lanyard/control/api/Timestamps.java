package io.lanyard.control.api;

import io.lanyard.control.RequestException;
import io.lanyard.control.RequestLimits;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The times Docker's API takes: {@code since}/{@code until} of {@code GET /events} as Unix
 * seconds with an optional fraction ({@code 1700000000.123456789}, what the CLI sends after
 * reading {@code --since 10m}), and the {@code until} prune filter, which the CLI passes as typed:
 * a Go duration before now ({@code 24h}, {@code 1h30m}), an RFC 3339 time, a local date or date
 * and time, or Unix seconds.
 */
final class Timestamps
{
    private static final Pattern UNIX = Pattern.compile("(-?[0-9]+)(?:\\.([0-9]{1,9}))?");
    private static final Pattern DURATION = Pattern.compile("([0-9]+(?:\\.[0-9]*)?)(ns|us|µs|ms|s|m|h)");
    private static final Pattern DURATIONS = Pattern.compile("(" + DURATION.pattern() + ")+");

    private Timestamps()
    {
    }

    /** Unix seconds with an optional fraction; an empty or absent value is null (no bound). */
    static Instant unix(final String value, final String what)
    {
        if (value == null || value.isEmpty())
        {
            return null;
        }
        final Matcher matcher = UNIX.matcher(value);
        if (!matcher.matches())
        {
            throw RequestException.badRequest("invalid " + what + " timestamp: " + value);
        }
        final String fraction = matcher.group(2) == null ? "0" : matcher.group(2);
        final long nanos = Long.parseLong(fraction) * (long)Math.pow(10, 9 - fraction.length());
        try
        {
            return Instant.ofEpochSecond(Long.parseLong(matcher.group(1)), nanos);
        }
        catch (final NumberFormatException | DateTimeException ex)
        {
            // seconds beyond a long, or beyond the years an Instant holds (found by ApiFuzzTest: a 500 before)
            throw RequestException.badRequest("invalid " + what + " timestamp: " + RequestLimits.quoted(value));
        }
    }

    /** Docker's {@code GetTimestamp}: a duration before {@code now}, a time or date, or Unix seconds. */
    static Instant timeOrDuration(final String value, final Instant now)
    {
        if (!"0".equals(value) && DURATIONS.matcher(value).matches())
        {
            return now.minusNanos(durationNanos(value));
        }
        try
        {
            if (value.contains("T") && (value.matches(".*[zZ+].*") || value.chars().filter(c -> c == '-').count() == 3))
            {
                return OffsetDateTime.parse(value).toInstant();
            }
            if (value.contains("T"))
            {
                return LocalDateTime.parse(value).atZone(ZoneId.systemDefault()).toInstant();
            }
            if (value.contains("-"))
            {
                return LocalDate.parse(value).atStartOfDay(ZoneId.systemDefault()).toInstant();
            }
        }
        catch (final DateTimeParseException ex)
        {
            throw RequestException.badRequest("failed to parse value as time or duration: \"" + value + "\"");
        }
        if (!UNIX.matcher(value).matches())
        {
            throw RequestException.badRequest("failed to parse value as time or duration: \"" + value + "\"");
        }
        return unix(value, "until");
    }

    private static long durationNanos(final String value)
    {
        double nanos = 0;
        final Matcher part = DURATION.matcher(value);
        while (part.find())
        {
            final double amount = Double.parseDouble(part.group(1));
            nanos += amount * switch (part.group(2))
            {
                case "ns" -> 1d;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
        }
        return (long)nanos;
    }
}
