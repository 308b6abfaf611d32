package io.lanyard.client;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Routes the JDK's logging to stderr as one line per record: {@code time program LEVEL message}.
 * Both {@code lanyardd} and the CLI log this way; it lives here, beside the client, so the CLI
 * has it without the daemon's classes on its class path.
 */
public final class OneLineLogging
{
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private OneLineLogging()
    {
    }

    public static void install(final String program)
    {
        final Logger root = Logger.getLogger("");
        for (final java.util.logging.Handler handler : root.getHandlers())
        {
            root.removeHandler(handler);
        }
        final ConsoleHandler console = new ConsoleHandler();
        console.setFormatter(new Formatter()
        {
            @Override
            public String format(final LogRecord record)
            {
                final StringBuilder line = new StringBuilder()
                    .append(LocalTime.now().format(TIME)).append(' ').append(program).append(' ')
                    .append(record.getLevel() == Level.SEVERE ? "ERROR" : record.getLevel().getName()).append(' ')
                    .append(formatMessage(record)).append('\n');
                if (record.getThrown() != null)
                {
                    line.append("  ").append(record.getThrown()).append('\n');
                }
                return line.toString();
            }
        });
        console.setLevel(Level.INFO);
        root.addHandler(console);
        root.setLevel(Level.INFO);
        // libraries' chatter (Netty, and jetcd's gRPC/Vert.x through SLF4J → JUL) only when it matters
        for (final String library : new String[] {"io.netty", "io.grpc", "io.etcd", "io.vertx"})
        {
            QUIETED.add(Logger.getLogger(library));
        }
        QUIETED.forEach(logger -> logger.setLevel(Level.WARNING));
    }

    /** Held: JUL keeps loggers weakly, and a collected logger would forget its level. */
    private static final java.util.List<Logger> QUIETED = new java.util.ArrayList<>();
}
