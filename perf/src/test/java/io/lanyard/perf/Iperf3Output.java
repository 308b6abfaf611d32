package io.lanyard.perf;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Real iperf3 3.12 client output, kept in {@code src/test/resources/iperf3} (made on loopback in
 * a namespace of their own, with the harness's own options), and client runs that ended with it.
 */
final class Iperf3Output
{
    static final List<String> COMMAND = List.of("nsenter", "--net=/run/netns/lyp0000-h1-c1", "--", "iperf3", "-c", "10.30.0.3");

    private Iperf3Output()
    {
    }

    /** The {@code -J} output in {@code iperf3/NAME.json}. */
    static String read(final String name)
    {
        try (InputStream in = Iperf3Output.class.getResourceAsStream("/iperf3/" + name + ".json"))
        {
            if (in == null)
            {
                throw new IllegalArgumentException("no iperf3/" + name + ".json");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** A client run of {@link #COMMAND} that exited by itself with this output. */
    static Iperf3.Outcome exited(final String stdout)
    {
        return Iperf3.outcome(new Exec.Result(COMMAND, 0, stdout, "", false));
    }
}
