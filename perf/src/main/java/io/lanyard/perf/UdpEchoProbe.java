package io.lanyard.perf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lanyard.client.Json;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The probing side of {@link UdpEcho}: {@code warmup + count} requests of {@code payload} bytes
 * to an echo server at {@code rate} per second, the round trip of each of the last
 * {@code count} recorded in HdrHistograms (nanoseconds, 3 significant digits), and one JSON line
 * that carries them whole ({@link #toJson}).
 *
 * <h2>A fixed schedule, and which latency is recorded</h2>
 * Request {@code i} is due at {@code start + i / rate}, fixed before the first is sent. The
 * sender never waits for a reply: replies are read by a thread of their own, so a slow reply
 * (or a queue building up in the switch) cannot push later requests back, and a sender that
 * woke late sends what is due at once, catching up with the schedule rather than shifting it.
 * Each request carries its sequence number, its intended send time and its actual send time,
 * and the echo brings them back. Two histograms are kept:
 * <ul>
 * <li>{@code rtts}, <b>from the intended send time</b> to the reply: the figure the harness
 * reports. It is the latency a client sending at this rate sees, coordinated omission
 * corrected: should the probe itself be held up (a pause of its JVM, no CPU for its thread),
 * every request that should have gone meanwhile is charged for the wait instead of quietly
 * going unmeasured.</li>
 * <li>{@code serviceRtts}, <b>from the actual send time</b> to the reply, as ping measures.
 * When the two differ much, the probe was late ({@code maxSendLagMicros} says how late).</li>
 * </ul>
 * To keep the two apart only by real lateness, the sender parks until {@value #SPIN_NANOS} ns
 * before a send is due and spins the rest. A parked thread wakes late (Linux's default timer
 * slack is 50 µs; on the 2-vCPU test machine {@code parkNanos} woke a median 77 µs and a p99
 * 125 µs late), which would add a constant of the order of a veth's whole round trip. Measured
 * on loopback at 2000/s: without spinning the intended-time p50 was 98 µs against 23 µs from the
 * actual send; spinning the last 100 µs brought both to 23 µs for about 4 % of a core more;
 * spinning 150 µs cost 15 % of a core and, with 2 vCPUs, worsened the tails it competed with.
 *
 * <h2>Counting</h2>
 * The first {@code warmup} requests (default {@value #DEFAULT_WARMUP}) go at the same rate
 * just before the measured ones, to resolve ARP, teach the switch the MACs and compile the
 * probe's loops; they are not counted anywhere. A measured request is lost when no reply
 * arrives within {@code timeout} of its actual send (loss belongs to the path, not to the
 * probe's lateness); a reply after that counts as {@code late} (and lost), a second reply as a
 * {@code duplicate}, and a datagram that is not a reply to this run (or a read that failed) as
 * {@code foreign}; none of them is recorded. The probe waits for the last replies until
 * {@code timeout} after the last send. ICMP port unreachable (the socket is connected, so the
 * kernel reports it) is counted as {@code unreachable}: nothing listened when one of the
 * requests arrived.
 */
final class UdpEchoProbe
{
    static final int DEFAULT_RATE = 2000;
    static final int DEFAULT_COUNT = 20_000;
    static final int DEFAULT_WARMUP = 1000;
    static final int DEFAULT_PAYLOAD = 64;
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);

    /*
     * A request and its reply (network byte order):
     *
     *  0                   1                   2                   3
     *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                      magic ("LYEP")                           |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                   run (random per probe)                      |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                sequence (64 bits, warm-up first)              |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |          intended send time (64 bits, System.nanoTime)        |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |           actual send time (64 bits, System.nanoTime)         |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                    zeros up to the payload size               |
     */
    static final int MAGIC_OFFSET = 0;
    static final int RUN_OFFSET = 4;
    static final int SEQUENCE_OFFSET = 8;
    static final int INTENDED_OFFSET = 16;
    static final int SENT_OFFSET = 24;
    static final int HEADER_LENGTH = 32;
    static final int MAGIC = 0x4C594550;
    /** The largest payload that fits one 1500-byte IPv4 frame. */
    static final int MAX_PAYLOAD = 1472;
    static final int MAX_RATE = 1_000_000;
    /** Round trips above this are recorded as this. */
    static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(60);
    static final long SPIN_NANOS = 100_000;
    /** Lead between the decision to start and the first request's due time. */
    private static final long START_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);

    /** Names of the result line's fields, shared with the reader ({@link UdpLatency#of}). */
    static final String SENT = "sent";
    static final String RECEIVED = "received";
    static final String LOST = "lost";
    static final String LATE = "late";
    static final String DUPLICATES = "duplicates";
    static final String FOREIGN = "foreign";
    static final String UNREACHABLE = "unreachable";
    static final String SEND_ERRORS = "sendErrors";
    static final String SEND_SECONDS = "sendSeconds";
    static final String MAX_SEND_LAG_MICROS = "maxSendLagMicros";
    static final String RTTS = "rtts";
    static final String SERVICE_RTTS = "serviceRtts";

    /**
     * What to send.
     *
     * @param target  the echo server.
     * @param timeout how long after its send a reply may come; also how long the probe waits after the last send.
     */
    record Settings(InetSocketAddress target, int rate, int count, int warmup, int payload, Duration timeout)
    {
        Settings
        {
            if (rate < 1 || rate > MAX_RATE)
            {
                throw new IllegalArgumentException("rate " + rate + " is not between 1 and " + MAX_RATE + " per second");
            }
            if (count < 1)
            {
                throw new IllegalArgumentException("count " + count + " < 1");
            }
            if (warmup < 0)
            {
                throw new IllegalArgumentException("warmup " + warmup + " < 0");
            }
            if (payload < HEADER_LENGTH || payload > MAX_PAYLOAD)
            {
                throw new IllegalArgumentException("payload " + payload + " is not between " + HEADER_LENGTH + " and " + MAX_PAYLOAD + " bytes");
            }
            if (timeout.isNegative() || timeout.isZero())
            {
                throw new IllegalArgumentException("timeout " + timeout + " is not positive");
            }
        }

        long total()
        {
            return (long)warmup + count;
        }
    }

    /**
     * What one probe gave; the counts are of measured requests only (not the warm-up).
     *
     * @param sent          requests sent (a send that failed counts, and is lost).
     * @param received      replies within the timeout: those in the histograms.
     * @param lost          {@code sent - received}.
     * @param late          replies after the timeout (among the lost).
     * @param duplicates    second and later replies to one request.
     * @param foreign       datagrams that were not a reply to this run, and failed reads (also during the warm-up).
     * @param unreachable   ICMP port unreachable reports (also during the warm-up).
     * @param sendErrors    sends the kernel refused (among the lost).
     * @param sendNanos     from the first request's due time to the last one's send, warm-up included: at least
     *                      {@code (total - 1) / rate}, and about that when the probe kept up.
     * @param maxSendLagNanos the most a request left after it was due.
     * @param rtts          round trips from the intended send time.
     * @param serviceRtts   round trips from the actual send time.
     */
    record Outcome(Settings settings, long sent, long received, long lost, long late, long duplicates, long foreign, long unreachable,
        long sendErrors, long sendNanos, long maxSendLagNanos, Histogram rtts, Histogram serviceRtts)
    {
    }

    private final Settings settings;
    private final DatagramChannel channel;
    private final int run = ThreadLocalRandom.current().nextInt();
    private final ByteBuffer out;
    private final ByteBuffer in = ByteBuffer.allocateDirect(UdpEchoServer.MAX_DATAGRAM);
    /** Replies seen, one bit per sequence number: written by the receiver only. */
    private final long[] seen;
    /** Counted down once per request answered in time, warm-up included, so the end need not wait out the timeout. */
    private final CountDownLatch answered;
    private final Histogram rtts = new Histogram(HIGHEST_NANOS, 3);
    private final Histogram serviceRtts = new Histogram(HIGHEST_NANOS, 3);
    // the receiver's counts, read after it is joined
    private long late;
    private long duplicates;
    private long foreign;
    private long unreachableReceived;
    // the sender's
    private long unreachableSent;
    private long sendErrors;

    private UdpEchoProbe(final Settings settings, final DatagramChannel channel)
    {
        this.settings = settings;
        this.channel = channel;
        this.out = ByteBuffer.allocateDirect(settings.payload());
        this.seen = new long[(int)((settings.total() + 63) / 64)];
        this.answered = new CountDownLatch((int)Math.min(Integer.MAX_VALUE, settings.total()));
    }

    /** Probes as {@code settings} say from a socket of this process (so in its namespace) and returns what came back. */
    static Outcome run(final Settings settings)
    {
        final DatagramChannel channel;
        try
        {
            channel = DatagramChannel.open().connect(settings.target());
        }
        catch (final IOException ex)
        {
            throw new PerfException("cannot open a UDP socket to " + settings.target() + ": " + ex.getMessage());
        }
        try (channel)
        {
            return new UdpEchoProbe(settings, channel).probe();
        }
        catch (final IOException ex)
        {
            throw new PerfException("cannot close the UDP socket: " + ex.getMessage());
        }
    }

    private Outcome probe()
    {
        out.putInt(MAGIC_OFFSET, MAGIC).putInt(RUN_OFFSET, run);
        final Thread receiver = new Thread(this::receive, "udp-echo-receiver");
        receiver.setDaemon(true);
        receiver.start();

        final long total = settings.total();
        final long start = System.nanoTime() + START_NANOS;
        long lastSent = 0;
        long maxLag = 0;
        for (long sequence = 0; sequence < total; sequence++)
        {
            final long due = start + sequence * NANOS_PER_SECOND / settings.rate();
            awaitTime(due);
            lastSent = System.nanoTime();
            maxLag = Math.max(maxLag, lastSent - due);
            send(sequence, due, lastSent, sequence >= settings.warmup());
        }

        awaitLastReplies(lastSent + settings.timeout().toNanos());
        try
        {
            channel.close();
            receiver.join();
        }
        catch (final IOException ex)
        {
            throw new PerfException("cannot close the UDP socket: " + ex.getMessage());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new PerfException("interrupted");
        }
        final long received = rtts.getTotalCount();
        return new Outcome(settings, settings.count(), received, settings.count() - received, late, duplicates, foreign,
            unreachableSent + unreachableReceived, sendErrors, lastSent - start, maxLag, rtts, serviceRtts);
    }

    /** Parks until shortly before {@code due}, then spins (see the class comment). */
    private static void awaitTime(final long due)
    {
        long remaining;
        while ((remaining = due - System.nanoTime()) > SPIN_NANOS)
        {
            LockSupport.parkNanos(remaining - SPIN_NANOS);
        }
        while (due - System.nanoTime() > 0)
        {
            Thread.onSpinWait();
        }
    }

    /**
     * Sends one request. An ICMP error pending on the socket fails the send it is reported on
     * (and that datagram does not go), so it is counted and the send tried once more.
     */
    private void send(final long sequence, final long due, final long now, final boolean measured)
    {
        out.putLong(SEQUENCE_OFFSET, sequence).putLong(INTENDED_OFFSET, due).putLong(SENT_OFFSET, now);
        for (int attempt = 0; attempt < 2; attempt++)
        {
            out.clear();
            try
            {
                channel.write(out);
                return;
            }
            catch (final PortUnreachableException ex)
            {
                unreachableSent++;
            }
            catch (final IOException ex)
            {
                break;
            }
        }
        if (measured)
        {
            sendErrors++;
        }
    }

    private void awaitLastReplies(final long deadline)
    {
        try
        {
            answered.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** The receiver's loop: reads replies until the channel is closed, and records them. */
    private void receive()
    {
        while (true)
        {
            in.clear();
            final int length;
            try
            {
                length = channel.read(in);
            }
            catch (final PortUnreachableException ex)
            {
                unreachableReceived++;
                continue;
            }
            catch (final ClosedChannelException closed)
            {
                return;
            }
            catch (final IOException ex)
            {
                if (!channel.isOpen())
                {
                    return;
                }
                foreign++; // a read the kernel failed: nothing of this run's came with it
                continue;
            }
            record(length, System.nanoTime());
        }
    }

    private void record(final int length, final long arrived)
    {
        final long sequence = in.getLong(SEQUENCE_OFFSET);
        if (length != settings.payload() || in.getInt(MAGIC_OFFSET) != MAGIC || in.getInt(RUN_OFFSET) != run || sequence < 0 ||
            sequence >= settings.total())
        {
            foreign++;
            return;
        }
        final int word = (int)(sequence >>> 6);
        final long bit = 1L << sequence;
        if ((seen[word] & bit) != 0)
        {
            duplicates += sequence >= settings.warmup() ? 1 : 0;
            return;
        }
        seen[word] |= bit;
        final long service = arrived - in.getLong(SENT_OFFSET);
        if (service > settings.timeout().toNanos())
        {
            late += sequence >= settings.warmup() ? 1 : 0;
            return;
        }
        answered.countDown();
        if (sequence >= settings.warmup())
        {
            rtts.recordValue(clamp(arrived - in.getLong(INTENDED_OFFSET)));
            serviceRtts.recordValue(clamp(service));
        }
    }

    private static long clamp(final long nanos)
    {
        return Math.max(1, Math.min(HIGHEST_NANOS, nanos));
    }

    /** The result line: counts, settings, and both histograms whole (HdrHistogram's compressed encoding, base64). */
    static String toJson(final Outcome outcome)
    {
        final Settings settings = outcome.settings();
        final ObjectNode line = Json.MAPPER.createObjectNode();
        line.put("target", settings.target().getHostString() + ":" + settings.target().getPort());
        line.put("rate", settings.rate());
        line.put("count", settings.count());
        line.put("warmup", settings.warmup());
        line.put("payload", settings.payload());
        line.put("timeoutMillis", settings.timeout().toMillis());
        line.put(SENT, outcome.sent());
        line.put(RECEIVED, outcome.received());
        line.put(LOST, outcome.lost());
        line.put(LATE, outcome.late());
        line.put(DUPLICATES, outcome.duplicates());
        line.put(FOREIGN, outcome.foreign());
        line.put(UNREACHABLE, outcome.unreachable());
        line.put(SEND_ERRORS, outcome.sendErrors());
        line.put(SEND_SECONDS, outcome.sendNanos() / 1e9);
        line.put(MAX_SEND_LAG_MICROS, outcome.maxSendLagNanos() / 1e3);
        // for a reader of the log (absent when nothing came back); the harness reads the histograms
        final Histogram rtts = outcome.rtts();
        if (rtts.getTotalCount() > 0)
        {
            line.put("p50Millis", rtts.getValueAtPercentile(50) / 1e6);
            line.put("p99Millis", rtts.getValueAtPercentile(99) / 1e6);
            line.put("p999Millis", rtts.getValueAtPercentile(99.9) / 1e6);
            line.put("maxMillis", rtts.getMaxValue() / 1e6);
        }
        line.put(RTTS, encode(rtts));
        line.put(SERVICE_RTTS, encode(outcome.serviceRtts()));
        return line.toString();
    }

    static String encode(final Histogram histogram)
    {
        final ByteBuffer bytes = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        final int length = histogram.encodeIntoCompressedByteBuffer(bytes);
        return Base64.getEncoder().encodeToString(Arrays.copyOf(bytes.array(), length));
    }
}
