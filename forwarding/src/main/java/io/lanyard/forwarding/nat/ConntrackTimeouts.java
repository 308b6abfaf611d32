package io.lanyard.forwarding.nat;

import java.util.Arrays;
import java.util.List;

/**
 * How long a tracked connection lives without traffic in each state, by protocol.
 *
 * <p>The defaults are Linux's {@code nf_conntrack} defaults, and the keys are the suffixes of
 * its sysctls ({@code net.netfilter.nf_conntrack_tcp_timeout_established} is
 * {@code tcp_established} here), so an operator who tuned a host's conntrack can carry the same
 * numbers over with {@code --conntrack-timeout key=seconds}. Values are given in whole seconds,
 * as the sysctls are, and kept in milliseconds because the table's clock is in milliseconds.
 *
 * <p>Immutable: {@link #with} returns a changed copy. Built on the control path; the
 * {@link ConnectionTable} copies the values it needs into fields when it is made.
 */
public final class ConntrackTimeouts
{
    /** The valid keys, in the order {@link #describe()} lists them. */
    public static final List<String> KEYS = List.of(
        "tcp_syn_sent",
        "tcp_syn_recv",
        "tcp_established",
        "tcp_fin_wait",
        "tcp_close_wait",
        "tcp_last_ack",
        "tcp_time_wait",
        "tcp_close",
        "tcp_unacknowledged",
        "udp",
        "udp_stream",
        "icmp");

    /**
     * Linux reads these sysctls into an int of seconds; capping here at the same bound keeps
     * {@code now + timeout} far from overflowing a long of milliseconds.
     */
    public static final long MAX_SECONDS = Integer.MAX_VALUE;

    private static final int TCP_SYN_SENT = 0;
    private static final int TCP_SYN_RECV = 1;
    private static final int TCP_ESTABLISHED = 2;
    private static final int TCP_FIN_WAIT = 3;
    private static final int TCP_CLOSE_WAIT = 4;
    private static final int TCP_LAST_ACK = 5;
    private static final int TCP_TIME_WAIT = 6;
    private static final int TCP_CLOSE = 7;
    private static final int TCP_UNACKNOWLEDGED = 8;
    private static final int UDP = 9;
    private static final int UDP_STREAM = 10;
    private static final int ICMP = 11;

    private static final long[] DEFAULT_SECONDS =
    {
        120,            // tcp_syn_sent
        60,             // tcp_syn_recv
        5 * 24 * 3600,  // tcp_established: five days
        120,            // tcp_fin_wait
        60,             // tcp_close_wait
        30,             // tcp_last_ack
        120,            // tcp_time_wait
        10,             // tcp_close
        300,            // tcp_unacknowledged
        30,             // udp
        120,            // udp_stream
        30,             // icmp
    };

    private static final ConntrackTimeouts DEFAULTS = new ConntrackTimeouts(DEFAULT_SECONDS);

    private static final String VALID_KEYS = "valid keys: " + String.join(", ", KEYS);

    private final long[] seconds;

    private ConntrackTimeouts(final long[] seconds)
    {
        this.seconds = seconds;
    }

    /** Linux's {@code nf_conntrack} defaults. */
    public static ConntrackTimeouts defaults()
    {
        return DEFAULTS;
    }

    /**
     * The defaults changed by each {@code key=seconds} spec in turn (a later spec for the same
     * key wins, as repeated flags do). Strict: no spaces, and seconds in decimal digits.
     *
     * @throws IllegalArgumentException with a one-line message naming the bad spec.
     */
    public static ConntrackTimeouts parse(final List<String> specs)
    {
        ConntrackTimeouts timeouts = DEFAULTS;
        for (final String spec : specs)
        {
            if (spec == null)
            {
                throw new IllegalArgumentException("conntrack timeout must be key=seconds, got null; " + VALID_KEYS);
            }
            final int equals = spec.indexOf('=');
            if (equals < 0)
            {
                throw new IllegalArgumentException(
                    "conntrack timeout must be key=seconds, got " + quote(spec) + "; " + VALID_KEYS);
            }
            final String key = spec.substring(0, equals);
            final String value = spec.substring(equals + 1);
            final long parsed;
            try
            {
                parsed = Long.parseLong(value);
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException(
                    "conntrack timeout " + quote(spec) + ": seconds must be a whole number, got " + quote(value));
            }
            timeouts = timeouts.with(key, parsed);
        }
        return timeouts;
    }

    /**
     * A copy with one timeout changed.
     *
     * @param key     one of {@link #KEYS}, exactly.
     * @param seconds 1 to {@link #MAX_SECONDS}.
     * @throws IllegalArgumentException for an unknown key or a value out of range.
     */
    public ConntrackTimeouts with(final String key, final long seconds)
    {
        final int index = key == null ? -1 : KEYS.indexOf(key);
        if (index < 0)
        {
            throw new IllegalArgumentException(
                "unknown conntrack timeout " + (key == null ? "null" : quote(key)) + "; " + VALID_KEYS);
        }
        if (seconds < 1 || seconds > MAX_SECONDS)
        {
            throw new IllegalArgumentException(
                "conntrack timeout " + key + " must be 1.." + MAX_SECONDS + " seconds, got " + seconds + "; " +
                VALID_KEYS);
        }
        final long[] copy = this.seconds.clone();
        copy[index] = seconds;
        return new ConntrackTimeouts(copy);
    }

    public long tcpSynSentMillis()
    {
        return millis(TCP_SYN_SENT);
    }

    public long tcpSynRecvMillis()
    {
        return millis(TCP_SYN_RECV);
    }

    public long tcpEstablishedMillis()
    {
        return millis(TCP_ESTABLISHED);
    }

    public long tcpFinWaitMillis()
    {
        return millis(TCP_FIN_WAIT);
    }

    public long tcpCloseWaitMillis()
    {
        return millis(TCP_CLOSE_WAIT);
    }

    public long tcpLastAckMillis()
    {
        return millis(TCP_LAST_ACK);
    }

    public long tcpTimeWaitMillis()
    {
        return millis(TCP_TIME_WAIT);
    }

    public long tcpCloseMillis()
    {
        return millis(TCP_CLOSE);
    }

    /** The ceiling on any TCP state's timeout until the connection has seen a reply. */
    public long tcpUnacknowledgedMillis()
    {
        return millis(TCP_UNACKNOWLEDGED);
    }

    /** A UDP flow that has not seen a reply. */
    public long udpMillis()
    {
        return millis(UDP);
    }

    /** A UDP flow that has seen traffic both ways. */
    public long udpStreamMillis()
    {
        return millis(UDP_STREAM);
    }

    public long icmpMillis()
    {
        return millis(ICMP);
    }

    /** Every timeout as {@code key=seconds}, comma-separated, for the startup log. */
    public String describe()
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < seconds.length; i++)
        {
            if (i > 0)
            {
                sb.append(", ");
            }
            sb.append(KEYS.get(i)).append('=').append(seconds[i]);
        }
        return sb.toString();
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof ConntrackTimeouts && Arrays.equals(seconds, ((ConntrackTimeouts)other).seconds);
    }

    @Override
    public int hashCode()
    {
        return Arrays.hashCode(seconds);
    }

    @Override
    public String toString()
    {
        return describe();
    }

    private long millis(final int index)
    {
        return seconds[index] * 1000L;
    }

    /** Keeps an error about a malformed spec on one line whatever the spec holds. */
    private static String quote(final String text)
    {
        final StringBuilder sb = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            sb.append(Character.isISOControl(c) ? '?' : c);
        }
        return sb.append('"').toString();
    }
}
