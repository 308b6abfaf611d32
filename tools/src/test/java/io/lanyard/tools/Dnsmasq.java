package io.lanyard.tools;

import io.lanyard.testkit.Namespaces;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A dnsmasq serving as a test's upstream resolver: in the foreground inside a test namespace,
 * on UDP and TCP port 53 of one address only, answering from its command line alone (no config
 * file, no {@code /etc/hosts}, no {@code resolv.conf}, so it never asks anyone itself), and
 * logging every query to a file of its own. A name it has nothing for is answered REFUSED
 * ("no upstream servers configured"), which is how a test gets a REFUSED upstream.
 *
 * <p>dnsmasq answers each TCP connection in a child process whose log lines carry the child's
 * PID, so {@link #tcpQueries} tells TCP queries from UDP ones by that. {@link #close()} stops it
 * by its PID; the namespace's cleanup would end it too.
 */
final class Dnsmasq implements AutoCloseable
{
    /** {@code Nov 28 23:57:04 dnsmasq[26038]: 1 198.51.100.9/47698 query[A] many.ext.test from 198.51.100.9}. */
    private static final Pattern QUERY_LINE = Pattern.compile("dnsmasq\\[(\\d+)]: (?:\\d+ \\S+ )?query\\[(\\w+)] (\\S+) from ");
    private static final Pattern STARTED_LINE = Pattern.compile("dnsmasq\\[(\\d+)]: started, version");

    private final Process process;
    private final Path log;
    private final long pid;

    private Dnsmasq(final Process process, final Path log, final long pid)
    {
        this.process = process;
        this.log = log;
        this.pid = pid;
    }

    /**
     * Starts dnsmasq in {@code netns} on {@code address} (already on an interface there) with
     * {@code options} (e.g. {@code --address=/ext.test/203.0.113.7}) and waits until it serves.
     */
    static Dnsmasq start(final Namespaces namespaces, final String netns, final String address, final Path dir, final String... options)
    {
        final Path log = dir.resolve("dnsmasq-" + address + ".log");
        final List<String> command = new ArrayList<>(List.of("dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
            "--no-resolv", "--no-hosts", "--no-poll", "--port=53", "--listen-address=" + address, "--bind-interfaces",
            "--user=root", "--pid-file=" + dir.resolve("dnsmasq-" + address + ".pid"), "--log-queries=extra",
            "--log-facility=" + log));
        command.addAll(List.of(options));
        final Process process = namespaces.spawn(netns, dir.resolve("dnsmasq-" + address + ".out"), command.toArray(String[]::new));
        final boolean started = LanyardHost.eventually(Duration.ofSeconds(10),
            () -> !process.isAlive() || STARTED_LINE.matcher(LanyardHost.readQuietly(log)).find());
        final Matcher line = STARTED_LINE.matcher(LanyardHost.readQuietly(log));
        if (!started || !process.isAlive() || !line.find())
        {
            process.destroyForcibly();
            throw new AssertionError("dnsmasq on " + address + " did not start:\n" + LanyardHost.readQuietly(log) +
                LanyardHost.readQuietly(dir.resolve("dnsmasq-" + address + ".out")));
        }
        return new Dnsmasq(process, log, Long.parseLong(line.group(1)));
    }

    /** How many queries (any type, UDP and TCP) for exactly {@code name} it received. */
    long queries(final String name)
    {
        return count(name, false);
    }

    /** How many of those came over TCP. */
    long tcpQueries(final String name)
    {
        return count(name, true);
    }

    String log()
    {
        return LanyardHost.readQuietly(log);
    }

    private long count(final String name, final boolean tcpOnly)
    {
        long count = 0;
        final Matcher line = QUERY_LINE.matcher(log());
        while (line.find())
        {
            if (line.group(3).equalsIgnoreCase(name) && (!tcpOnly || Long.parseLong(line.group(1)) != pid))
            {
                count++;
            }
        }
        return count;
    }

    @Override
    public void close()
    {
        process.destroy();
        try
        {
            if (!process.waitFor(5, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
