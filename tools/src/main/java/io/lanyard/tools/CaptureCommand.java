package io.lanyard.tools;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code lanyard capture PORT|SANDBOX|NETWORK [-w FILE] [-c N] [--drops]}: the frames the
 * dataplane sees on those ports, as pcapng (tcpdump, tshark and Wireshark read it), from one
 * streamed answer ({@code GET /capture}): to FILE, or to standard output when it is not a
 * terminal ({@code lanyard capture c1 | tcpdump -r -}).
 */
@Command(name = "capture", description = "Capture the frames the switch sees on a port, a sandbox's ports or a network's, as pcapng.",
    mixinStandardHelpOptions = true)
final class CaptureCommand implements Callable<Integer>
{
    @ParentCommand
    LanyardCli cli;

    @Parameters(paramLabel = "PORT|SANDBOX|NETWORK", description = "a port number (lanyard stats), a sandbox, or a network")
    String target;

    @Option(names = "-w", paramLabel = "FILE", description = "write to FILE (default: standard output, if it is not a terminal)")
    Path file;

    @Option(names = "-c", paramLabel = "N", description = "stop after N frames (default: until interrupted)")
    long count;

    @Option(names = "--drops", description = "only the frames the switch dropped (each with its reason as the packet's comment)")
    boolean drops;

    @Option(names = "--snaplen", paramLabel = "BYTES", description = "at most BYTES of each frame, 64 to 65535 (default: ${DEFAULT-VALUE})")
    int snapLength = 65_535;

    @Override
    public Integer call() throws IOException
    {
        if (file == null && System.console() != null)
        {
            throw new CliException("lanyard: not writing pcapng to a terminal: give -w FILE, or pipe it (| tcpdump -r -)");
        }
        if (count < 0)
        {
            throw new CliException("lanyard: -c must be 0 or more, not " + count);
        }
        if (file != null && file.getParent() != null && !Files.isDirectory(file.getParent()))
        {
            throw new CliException("lanyard: cannot write " + file + ": no directory " + file.getParent());
        }
        // opened when the daemon's answer begins, so a refused capture leaves no empty file behind
        final OutputStream[] out = new OutputStream[1];
        try
        {
            cli.daemon().streamBytes("/capture?target=" + DaemonConnection.encode(target) + (count > 0 ? "&count=" + count : "") +
                (drops ? "&drops=1" : "") + "&snaplen=" + snapLength, bytes ->
            {
                try
                {
                    if (out[0] == null)
                    {
                        out[0] = file == null ? System.out : new FileOutputStream(file.toFile());
                    }
                    out[0].write(bytes);
                    out[0].flush();
                }
                catch (final IOException ex)
                {
                    throw new CliException("lanyard: cannot write " + (file == null ? "standard output" : file) + ": " + ex.getMessage());
                }
            });
        }
        finally
        {
            if (out[0] != null && file != null)
            {
                out[0].close();
            }
        }
        return 0;
    }
}
