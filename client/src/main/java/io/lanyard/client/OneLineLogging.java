package io.lanyard.client;

import com.fasterxml.jackson.core.JsonProcessingException;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
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

    /** The handler {@link #install} made, which {@link #configure} changes. */
    private static ConsoleHandler console;

    public static void install(final String program)
    {
        final Logger root = Logger.getLogger("");
        for (final java.util.logging.Handler handler : root.getHandlers())
        {
            root.removeHandler(handler);
        }
        console = new ConsoleHandler();
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
        // the Prometheus exporter logs every scraper that hangs up mid-answer as SEVERE, so anyone who can reach
        // --metrics-addr could fill the log; a failed scrape shows on the scraper's side (up == 0)
        final Logger exporter = Logger.getLogger("io.prometheus.metrics.exporter");
        exporter.setLevel(Level.OFF);
        QUIETED.add(exporter);
    }

    /**
     * Sets the lowest level logged ({@code debug}, {@code info}, {@code warn}, {@code error}) and
     * the format of each line: {@code text} (as above) or {@code json}, one object per line with
     * {@code time} (ISO-8601, UTC), {@code level}, {@code program}, {@code logger}, {@code msg}
     * and {@code error} when there is one, for log shippers.
     *
     * @throws IllegalArgumentException naming the flag and the values it takes.
     */
    public static void configure(final String program, final String level, final String format)
    {
        final Level threshold = switch (level)
        {
            case "debug" -> Level.FINE;
            case "info" -> Level.INFO;
            case "warn" -> Level.WARNING;
            case "error" -> Level.SEVERE;
            default -> throw new IllegalArgumentException("--log-level must be debug, info, warn or error, not '" + level + "'");
        };
        if (!"text".equals(format) && !"json".equals(format))
        {
            throw new IllegalArgumentException("--log-format must be text or json, not '" + format + "'");
        }
        if (console == null)
        {
            install(program);
        }
        if ("json".equals(format))
        {
            console.setFormatter(new Formatter()
            {
                @Override
                public String format(final LogRecord record)
                {
                    return jsonLine(program, record, formatMessage(record));
                }
            });
        }
        console.setLevel(threshold);
        Logger.getLogger("").setLevel(threshold);
    }

    /** One record as a JSON object on one line. */
    static String jsonLine(final String program, final LogRecord record, final String message)
    {
        final Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", record.getInstant().toString());
        line.put("level", levelName(record.getLevel()));
        line.put("program", program);
        line.put("logger", record.getLoggerName());
        line.put("msg", message);
        if (record.getThrown() != null)
        {
            line.put("error", record.getThrown().toString());
        }
        try
        {
            return Json.MAPPER.writeValueAsString(line) + "\n";
        }
        catch (final JsonProcessingException ex)
        {
            return "{\"level\":\"error\",\"msg\":\"unloggable record\"}\n";
        }
    }

    private static String levelName(final Level level)
    {
        if (level.intValue() >= Level.SEVERE.intValue())
        {
            return "error";
        }
        if (level.intValue() >= Level.WARNING.intValue())
        {
            return "warn";
        }
        return level.intValue() >= Level.INFO.intValue() ? "info" : "debug";
    }

    /** Held: JUL keeps loggers weakly, and a collected logger would forget its level. */
    private static final java.util.List<Logger> QUIETED = new java.util.ArrayList<>();
}
