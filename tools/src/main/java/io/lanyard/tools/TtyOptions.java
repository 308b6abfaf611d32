package io.lanyard.tools;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Docker's {@code -i} and {@code -t} for {@code exec} and {@code run}: the command runs in the
 * CLI's own process group with the CLI's standard input, output and terminal, so it is always
 * interactive and has a terminal whenever the CLI has one; {@code -t} without a terminal on
 * standard input is refused as Docker refuses it.
 */
final class TtyOptions
{
    @Option(names = {"-i", "--interactive"}, description = "keep standard input open (it always is: the command shares the CLI's)")
    boolean interactive;

    @Option(names = {"-t", "--tty"}, description = "give the command a terminal: the CLI's own, which it must have")
    boolean tty;

    /** @throws CliException when {@code -t} is asked for and standard input is not a terminal. */
    void check()
    {
        if (tty && !stdinIsTerminal())
        {
            throw new CliException("lanyard: the input device is not a TTY (-t needs a terminal on standard input)");
        }
    }

    static boolean stdinIsTerminal()
    {
        try
        {
            final String target = Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || "/dev/console".equals(target);
        }
        catch (final IOException | UnsupportedOperationException ex)
        {
            return false;
        }
    }
}
