package io.lanyard.control;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConfigFileTest
{
    private final Path file = createFile();

    @AfterEach
    void tearDown() throws Exception
    {
        Files.deleteIfExists(file);
    }

    @Test
    void shouldTakeTheFilesSettingsAsTheFlagsDefaultsAndLetTheCommandLineWin() throws Exception
    {
        Files.writeString(file, String.join("\n",
            "# lanyardd's flags, without their dashes",
            "uplink=eth1",
            "uplink-ip=198.51.100.2/24",
            "icc=false",
            "ring-size=512",
            "log-opt=max-size=1m,max-file=2",
            "bip=10.200.0.1/24",
            ""));

        final Lanyardd fromFile = parse("--config", file.toString());
        assertEquals("eth1", fromFile.uplink);
        assertEquals("198.51.100.2/24", fromFile.uplinkIp);
        assertFalse(fromFile.icc);
        assertEquals(512, fromFile.ringSize);
        assertEquals(List.of("max-size=1m", "max-file=2"), fromFile.sandboxLogs.options);
        fromFile.sandboxLogs.parse();
        assertEquals(1024 * 1024, fromFile.sandboxLogs.maxBytes());
        assertEquals(2, fromFile.sandboxLogs.maxFiles());

        final Lanyardd overridden = parse("--config=" + file, "--ring-size", "2048");
        assertEquals(2048, overridden.ringSize, "the command line wins");
        assertEquals("eth1", overridden.uplink);

        final Lanyardd without = parse("--ring-size", "2048");
        assertNull(without.uplink, "no --config, no file");
    }

    @Test
    void shouldRefuseANameThatIsNoFlagAndAFileItCannotReadInOneLine() throws Exception
    {
        Files.writeString(file, "uplink=eth1\nuplnk-gateway=198.51.100.1\n");
        assertEquals("lanyardd: --config " + file + ": 'uplnk-gateway' is not a flag of lanyardd (see lanyardd --help)\n",
            refusal("--config", file.toString()));
        final String missing = refusal("--config", file + ".missing");
        assertEquals(1, missing.lines().count(), missing);
        assertEquals(true, missing.startsWith("lanyardd: --config " + file + ".missing: cannot read it: "), missing);
    }

    @Test
    void shouldRefuseABadValueFromTheFileAsFromTheCommandLine() throws Exception
    {
        Files.writeString(file, "ring-size=many\n");
        final CommandLine commandLine = new CommandLine(new Lanyardd());
        ConfigFile.apply(commandLine, file);
        assertThrows(CommandLine.ParameterException.class, () -> commandLine.parseArgs());
    }

    private static Lanyardd parse(final String... args)
    {
        final Lanyardd daemon = new Lanyardd();
        final CommandLine commandLine = new CommandLine(daemon);
        final Path config = ConfigFile.named(args);
        if (config != null)
        {
            ConfigFile.apply(commandLine, config);
        }
        commandLine.parseArgs(args);
        return daemon;
    }

    /** What {@code lanyardd ARGS} prints when it refuses its configuration (it exits 1 before anything starts). */
    private static String refusal(final String... args)
    {
        final PrintStream err = System.err;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try
        {
            assertEquals(1, Lanyardd.execute(args));
        }
        finally
        {
            System.setErr(err);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    private static Path createFile()
    {
        try
        {
            return Files.createTempFile("lanyardd", ".conf");
        }
        catch (final java.io.IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
