package io.lanyard.perf;

import io.lanyard.tap.LinuxException;
import io.lanyard.tap.NamespaceThread;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A small DNS load generator, dnsperf's idea written out: A queries over UDP to one server from
 * one socket, each answer matched to its query by ID, and every query's round trip recorded in
 * an HdrHistogram (nanoseconds). Two ways to ask: {@link #closedLoop} keeps a fixed number of
 * queries outstanding for a while (a new one leaves as each answer arrives: the server's rate),
 * {@link #paced} asks one at a time with a pause between (one query's latency, as an
 * application that looks a name up now and then sees it).
 *
 * <p>The socket is made by a {@link NamespaceThread} inside the client's namespace, and a
 * socket stays in the namespace it was made in, so the load runs on the caller's own thread
 * while its packets start and end in that namespace. Names are asked in turn from a fixed
 * list; queries are built once and only their ID is patched, so the generator allocates nothing
 * per query and is rarely what limits the rate.
 *
 * <p>An answer counts when it is a response (QR) with RCODE NOERROR and at least one answer
 * record; any other is counted failed. A query with no answer for {@link #LOSS_TIMEOUT} is
 * counted lost and its ID freed; an answer that comes later is ignored.
 */
final class DnsLoad implements AutoCloseable
{
    static final int TYPE_A = 1;
    /** A query unanswered this long is lost (the embedded DNS gives each upstream 4 s; loopback answers take microseconds). */
    static final Duration LOSS_TIMEOUT = Duration.ofSeconds(1);
    private static final int CLASS_IN = 1;
    private static final int HEADER_LENGTH = 12;
    private static final int FLAG_QR = 0x8000;
    private static final int FLAG_RD = 0x0100;
    private static final int RCODE_MASK = 0xF;
    private static final int IDS = 1 << 16;
    private static final int MAX_NAME_LENGTH = 253;
    private static final int MAX_LABEL_LENGTH = 63;
    private static final int MAX_ANSWER = 4096;
    private static final long NOT_SENT = Long.MIN_VALUE;
    private static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(60);

    /**
     * What one measurement gave.
     *
     * @param sent      queries sent.
     * @param answered  good answers (NOERROR with records), whose round trips are in {@code latencies}.
     * @param failed    answers that were not good: another RCODE, or no answer record.
     * @param lost      queries with no answer within {@link #LOSS_TIMEOUT}.
     * @param nanos     from the first query sent to the last answer or loss.
     */
    record Result(long sent, long answered, long failed, long lost, long nanos, Histogram latencies)
    {
        double queriesPerSecond()
        {
            return nanos <= 0 ? Double.NaN : answered * 1e9 / nanos;
        }

        double percentileMillis(final double percentile)
        {
            return answered == 0 ? Double.NaN : latencies.getValueAtPercentile(percentile) / 1e6;
        }

        double maxMillis()
        {
            return answered == 0 ? Double.NaN : latencies.getMaxValue() / 1e6;
        }

        /** Queries that got no good answer. */
        long unanswered()
        {
            return failed + lost;
        }
    }

    private final String description;
    private final DatagramChannel channel;
    private final Selector selector;
    private final byte[][] queries;
    private final ByteBuffer out = ByteBuffer.allocateDirect(HEADER_LENGTH + MAX_NAME_LENGTH + 2 + 4);
    private final ByteBuffer in = ByteBuffer.allocateDirect(MAX_ANSWER);
    /** Send time by query ID, {@link #NOT_SENT} when the ID is free. */
    private final long[] sentAt = new long[IDS];
    private int nextId;
    private int oldestId;
    private int outstanding;
    private int nextQuery;
    /** This measurement's answers that were not good, and queries lost. */
    private long failed;
    private long lost;

    private DnsLoad(final String description, final DatagramChannel channel, final Selector selector, final List<String> names)
    {
        this.description = description;
        this.channel = channel;
        this.selector = selector;
        this.queries = new byte[names.size()][];
        for (int i = 0; i < names.size(); i++)
        {
            queries[i] = query(names.get(i), TYPE_A);
        }
        Arrays.fill(sentAt, NOT_SENT);
    }

    /**
     * A generator asking {@code server} for {@code names} (in turn) from a UDP socket made inside
     * {@code netns}.
     *
     * @param description names the server and the namespace in messages ("Lanyard 127.0.0.11 in lyp1234-d0").
     */
    static DnsLoad open(final NamespaceThread inside, final String netns, final InetSocketAddress server, final List<String> names,
        final String description)
    {
        final DatagramChannel channel;
        try
        {
            channel = inside.call(Path.of("/run/netns", netns), () -> DatagramChannel.open().connect(server));
        }
        catch (final LinuxException ex)
        {
            throw new PerfException("cannot open a UDP socket to " + server + " in " + netns + ": " + ex.getMessage());
        }
        return over(channel, names, description);
    }

    /** A generator on a connected UDP channel (made wherever the caller wants its packets to start); it takes the channel. */
    static DnsLoad over(final DatagramChannel channel, final List<String> names, final String description)
    {
        if (names.isEmpty())
        {
            closeQuietly(channel);
            throw new IllegalArgumentException("no names to ask");
        }
        try
        {
            channel.configureBlocking(false);
            final Selector selector = Selector.open();
            channel.register(selector, SelectionKey.OP_READ);
            return new DnsLoad(description, channel, selector, names);
        }
        catch (final IOException ex)
        {
            closeQuietly(channel);
            throw new PerfException(description + ": cannot set up the UDP socket: " + ex.getMessage());
        }
    }

    /** Keeps {@code inFlight} queries outstanding for {@code duration}, then waits for the last answers. */
    Result closedLoop(final int inFlight, final Duration duration)
    {
        final Histogram latencies = startMeasurement();
        final long start = System.nanoTime();
        final long stop = start + duration.toNanos();
        long sent = 0;
        long now = start;
        while (true)
        {
            while (now < stop && outstanding < inFlight)
            {
                send(now);
                sent++;
            }
            if (outstanding == 0)
            {
                break;
            }
            now = awaitAnswers(latencies);
        }
        return new Result(sent, latencies.getTotalCount(), failed, lost, System.nanoTime() - start, latencies);
    }

    /** Asks {@code count} times, one query at a time, pausing {@code gap} after each answer (or loss). */
    Result paced(final int count, final Duration gap)
    {
        final Histogram latencies = startMeasurement();
        final long start = System.nanoTime();
        for (int i = 0; i < count; i++)
        {
            send(System.nanoTime());
            while (outstanding > 0)
            {
                awaitAnswers(latencies);
            }
            LockSupport.parkNanos(gap.toNanos());
        }
        return new Result(count, latencies.getTotalCount(), failed, lost, System.nanoTime() - start, latencies);
    }

    private Histogram startMeasurement()
    {
        failed = 0;
        lost = 0;
        return new Histogram(HIGHEST_NANOS, 3);
    }

    /**
     * Asks once for the name at {@code index} of the list it was opened with, for checks before
     * measuring: the addresses of the A records of a good answer, or a failure naming what came back.
     */
    List<String> ask(final int index)
    {
        final int id = send(System.nanoTime(), index);
        final long deadline = System.nanoTime() + LOSS_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline)
        {
            select(TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) + 1);
            while (read() > 0)
            {
                if ((in.getShort(0) & 0xFFFF) == id)
                {
                    sentAt[id] = NOT_SENT;
                    outstanding--;
                    return addresses(in, description);
                }
            }
        }
        sentAt[id] = NOT_SENT;
        outstanding--;
        throw new PerfException(description + ": no answer within " + LOSS_TIMEOUT.toMillis() + " ms");
    }

    String description()
    {
        return description;
    }

    /** Sends a query for the next name in turn. */
    private int send(final long now)
    {
        final int id = send(now, nextQuery);
        nextQuery = nextQuery + 1 == queries.length ? 0 : nextQuery + 1;
        return id;
    }

    /** Sends a query for name {@code index}; an ID still outstanding after a whole cycle of IDs is counted lost first. */
    private int send(final long now, final int index)
    {
        final int id = nextId;
        nextId = (id + 1) & (IDS - 1);
        if (sentAt[id] != NOT_SENT)
        {
            lost++;
            outstanding--;
        }
        out.clear();
        out.put(queries[index]).putShort(0, (short)id).flip();
        try
        {
            if (channel.write(out) == 0)
            {
                throw new PerfException(description + ": the socket's send buffer is full");
            }
        }
        catch (final PortUnreachableException ex)
        {
            throw new PerfException(description + ": nothing listens there (ICMP port unreachable)");
        }
        catch (final IOException ex)
        {
            throw new PerfException(description + ": cannot send a query: " + ex.getMessage());
        }
        sentAt[id] = now;
        outstanding++;
        return id;
    }

    /**
     * Waits until answers arrive or the oldest outstanding query is due to be lost, then takes
     * every answer that is there and counts what is overdue.
     *
     * @return the time after reading.
     */
    private long awaitAnswers(final Histogram latencies)
    {
        final long due = oldestSent() + LOSS_TIMEOUT.toNanos();
        select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(due - System.nanoTime()) + 1));
        while (read() > 0)
        {
            final long received = System.nanoTime();
            final int id = in.getShort(0) & 0xFFFF;
            final long sent = sentAt[id];
            if (sent == NOT_SENT)
            {
                continue; // the answer to a query already counted lost
            }
            sentAt[id] = NOT_SENT;
            outstanding--;
            if (isGood(in))
            {
                latencies.recordValue(Math.min(HIGHEST_NANOS, Math.max(1, received - sent)));
            }
            else
            {
                failed++;
            }
        }
        final long now = System.nanoTime();
        while (outstanding > 0 && now - oldestSent() > LOSS_TIMEOUT.toNanos())
        {
            sentAt[oldestId] = NOT_SENT;
            outstanding--;
            lost++;
        }
        return now;
    }

    /** The send time of the oldest outstanding query; the caller knows one is outstanding. */
    private long oldestSent()
    {
        while (sentAt[oldestId] == NOT_SENT && oldestId != nextId)
        {
            oldestId = (oldestId + 1) & (IDS - 1);
        }
        return sentAt[oldestId];
    }

    private void select(final long timeoutMillis)
    {
        try
        {
            selector.select(timeoutMillis);
            selector.selectedKeys().clear();
        }
        catch (final IOException ex)
        {
            throw new PerfException(description + ": select failed: " + ex.getMessage());
        }
    }

    /** Reads one answer into {@link #in} (flipped); 0 when none is waiting. */
    private int read()
    {
        in.clear();
        try
        {
            final int length = channel.read(in);
            in.flip();
            return Math.max(0, length);
        }
        catch (final PortUnreachableException ex)
        {
            throw new PerfException(description + ": nothing listens there (ICMP port unreachable)");
        }
        catch (final IOException ex)
        {
            throw new PerfException(description + ": cannot read an answer: " + ex.getMessage());
        }
    }

    /** A response with NOERROR and at least one answer record. */
    static boolean isGood(final ByteBuffer answer)
    {
        if (answer.remaining() < HEADER_LENGTH)
        {
            return false;
        }
        final int flags = answer.getShort(2) & 0xFFFF;
        return (flags & FLAG_QR) != 0 && (flags & RCODE_MASK) == 0 && (answer.getShort(6) & 0xFFFF) > 0;
    }

    /**
     * A standard query (RD set, one question, class IN, ID 0), as a stub resolver sends it
     * without EDNS (glibc's default).
     */
    static byte[] query(final String name, final int type)
    {
        final String bare = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        if (bare.isEmpty() || bare.length() > MAX_NAME_LENGTH)
        {
            throw new IllegalArgumentException("not a name to ask for: " + name);
        }
        final ByteBuffer query = ByteBuffer.allocate(HEADER_LENGTH + bare.length() + 2 + 4);
        query.putShort((short)0).putShort((short)FLAG_RD).putShort((short)1).putShort((short)0).putShort((short)0).putShort((short)0);
        for (final String label : bare.split("\\.", -1))
        {
            final byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
            if (bytes.length == 0 || bytes.length > MAX_LABEL_LENGTH)
            {
                throw new IllegalArgumentException("not a name to ask for: " + name);
            }
            query.put((byte)bytes.length).put(bytes);
        }
        query.put((byte)0).putShort((short)type).putShort((short)CLASS_IN);
        return query.array();
    }

    /** The addresses of the A records of a good answer; a failure naming the RCODE or the fault otherwise. */
    static List<String> addresses(final ByteBuffer answer, final String description)
    {
        if (!isGood(answer))
        {
            throw new PerfException(description + ": no good answer: " + (answer.remaining() < HEADER_LENGTH ? "a short message" :
                "RCODE " + (answer.getShort(2) & RCODE_MASK) + ", " + (answer.getShort(6) & 0xFFFF) + " answer records"));
        }
        try
        {
            int at = skipName(answer, HEADER_LENGTH) + 4;
            final int records = answer.getShort(6) & 0xFFFF;
            final List<String> addresses = new ArrayList<>();
            for (int i = 0; i < records; i++)
            {
                at = skipName(answer, at);
                final int type = answer.getShort(at) & 0xFFFF;
                final int length = answer.getShort(at + 8) & 0xFFFF;
                at += 10;
                if (type == TYPE_A && length == 4)
                {
                    addresses.add((answer.get(at) & 0xFF) + "." + (answer.get(at + 1) & 0xFF) + "." + (answer.get(at + 2) & 0xFF) + "." +
                        (answer.get(at + 3) & 0xFF));
                }
                at += length;
            }
            return addresses;
        }
        catch (final IndexOutOfBoundsException ex)
        {
            throw new PerfException(description + ": a malformed answer");
        }
    }

    /** The offset after the name at {@code at}: labels up to the root, or up to a compression pointer. */
    private static int skipName(final ByteBuffer message, final int at)
    {
        int offset = at;
        while (true)
        {
            final int length = message.get(offset) & 0xFF;
            if ((length & 0xC0) == 0xC0)
            {
                return offset + 2;
            }
            if (length == 0)
            {
                return offset + 1;
            }
            offset += length + 1;
        }
    }

    @Override
    public void close()
    {
        closeQuietly(selector);
        closeQuietly(channel);
    }

    private static void closeQuietly(final AutoCloseable closeable)
    {
        try
        {
            closeable.close();
        }
        catch (final Exception ignored)
        {
            // nothing left to do with it
        }
    }
}
