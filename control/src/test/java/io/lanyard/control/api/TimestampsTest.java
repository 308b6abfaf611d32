package io.lanyard.control.api;

import io.lanyard.control.RequestException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The times of {@code /events} and of the {@code until} prune filter, read as Docker's daemon reads them. */
class TimestampsTest
{
    private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");

    @Test
    void shouldReadUnixSecondsWithAndWithoutAFraction()
    {
        assertEquals(Instant.ofEpochSecond(1_700_000_000L), Timestamps.unix("1700000000", "since"));
        assertEquals(Instant.ofEpochSecond(1_700_000_000L, 123_456_789), Timestamps.unix("1700000000.123456789", "since"));
        assertEquals(Instant.ofEpochSecond(1_700_000_000L, 500_000_000), Timestamps.unix("1700000000.5", "since"));
        assertNull(Timestamps.unix("", "since"));
        assertNull(Timestamps.unix(null, "until"));
    }

    @Test
    void shouldRefuseATimestampThatIsNotUnixSeconds()
    {
        final RequestException refused = assertThrows(RequestException.class, () -> Timestamps.unix("10m", "since"));
        assertEquals(400, refused.status());
        assertEquals("invalid since timestamp: 10m", refused.getMessage());
    }

    @Test
    void shouldRefuseUnixSecondsBeyondWhatATimeHolds()
    {
        // found by ApiFuzzTest: GET /events?since=-6023492729578879322 was a 500
        assertEquals(400, assertThrows(RequestException.class, () -> Timestamps.unix("-6023492729578879322", "since")).status());
        assertEquals(400, assertThrows(RequestException.class, () -> Timestamps.unix("99999999999999999999", "until")).status());
        assertEquals(400, assertThrows(RequestException.class, () -> Timestamps.timeOrDuration("-6023492729578879322", NOW)).status());
    }

    @Test
    void shouldReadAGoDurationAsThatLongBeforeNow()
    {
        assertEquals(NOW.minus(Duration.ofHours(24)), Timestamps.timeOrDuration("24h", NOW));
        assertEquals(NOW.minus(Duration.ofMinutes(90)), Timestamps.timeOrDuration("1h30m", NOW));
        assertEquals(NOW.minusMillis(1500), Timestamps.timeOrDuration("1.5s", NOW));
    }

    @Test
    void shouldReadTimesDatesAndUnixSeconds()
    {
        assertEquals(Instant.parse("2025-02-01T10:00:00Z"), Timestamps.timeOrDuration("2025-02-01T10:00:00Z", NOW));
        assertEquals(Instant.parse("2025-02-01T08:00:00Z"), Timestamps.timeOrDuration("2025-02-01T10:00:00+02:00", NOW));
        assertEquals(LocalDate.parse("2025-02-01").atStartOfDay(ZoneId.systemDefault()).toInstant(),
            Timestamps.timeOrDuration("2025-02-01", NOW));
        assertEquals(Instant.ofEpochSecond(1_700_000_000L), Timestamps.timeOrDuration("1700000000", NOW));
        assertEquals(Instant.ofEpochSecond(0), Timestamps.timeOrDuration("0", NOW), "0 is a time, not a duration");
    }

    @ParameterizedTest
    @ValueSource(strings = {"yesterday", "2025-13-01", "10x"})
    void shouldRefuseWhatIsNeitherATimeNorADuration(final String value)
    {
        final RequestException refused = assertThrows(RequestException.class, () -> Timestamps.timeOrDuration(value, NOW));
        assertEquals(400, refused.status());
        assertEquals("failed to parse value as time or duration: \"" + value + "\"", refused.getMessage());
    }
}
