package io.lanyard.perf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A dnsmasq (Debian's {@code dnsmasq-base}) serving DNS on one address inside a namespace of the
 * run, in the foreground as a child of the run, so it is stopped by PID with everything else.
 * It reads no configuration but its flags ({@code --conf-file=/dev/null}, {@code --no-resolv},
 * {@code --no-hosts}): it forwards nothing and answers only what its flags give it, and it binds
 * only its address, leaving 127.0.0.11 to the embedded DNS. It logs to the run's temporary
 * directory.
 */
final class Dnsmasq
{
    private static final Duration LISTEN_TIMEOUT = Duration.ofSeconds(10);
    private static final int LOG_TAIL_LINES = 10;

    private final Workspace workspace;
    private final String name;
    private final Process process;
    private final Path log;

    private Dnsmasq(final Workspace workspace, final String name, final Process process, final Path log)
    {
        this.workspace = workspace;
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts dnsmasq in {@code netns} on {@code address}:53 and waits until it listens.
     *
     * @param name    names its log ({@code dnsmasq-NAME.log}) and appears in messages.
     * @param answers what it answers, e.g. {@code --address=/ext.test/203.0.113.7} or
     *                {@code --addn-hosts=FILE}.
     */
    static Dnsmasq start(final Workspace workspace, final String name, final String netns, final String address,
        final List<String> answers)
    {
        final Path log = workspace.dir().resolve("dnsmasq-" + name + ".log");
        final List<String> command = new ArrayList<>(List.of("dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
            "--no-resolv", "--no-hosts", "--no-poll", "--pid-file=", "--log-facility=-",
            "--listen-address=" + address, "--bind-interfaces", "--port=53"));
        command.addAll(answers);
        final Process process = workspace.spawn(Workspace.inNamespace(netns, command), log);
        final Dnsmasq dnsmasq = new Dnsmasq(workspace, name, process, log);
        dnsmasq.awaitListening(netns, address);
        return dnsmasq;
    }

    long pid()
    {
        return process.pid();
    }

    /** Fails the run, with the end of its log, if dnsmasq is gone. */
    void checkAlive()
    {
        if (!process.isAlive() && !workspace.isClosed())
        {
            throw new PerfException("dnsmasq " + name + " exited " + process.exitValue() + " during the run:\n" + logTail());
        }
    }

    private void awaitListening(final String netns, final String address)
    {
        final long deadline = System.nanoTime() + LISTEN_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline)
        {
            if (!process.isAlive())
            {
                throw new PerfException("dnsmasq " + name + " in " + netns + " exited " + process.exitValue() + " at start:\n" + logTail());
            }
            final Exec.Result listening = workspace.run(Workspace.inNamespace(netns,
                List.of("ss", "-Hlun", "src " + address + ":53")), Duration.ofSeconds(10));
            if (listening.ok() && !listening.stdout().isBlank())
            {
                return;
            }
            LanyardSide.sleep(50);
        }
        throw new PerfException("dnsmasq " + name + " in " + netns + " did not listen on " + address + ":53 within " +
            LISTEN_TIMEOUT.toSeconds() + " s:\n" + logTail());
    }

    private String logTail()
    {
        try
        {
            final List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        }
        catch (final IOException ex)
        {
            return "(no dnsmasq log)";
        }
    }
}
