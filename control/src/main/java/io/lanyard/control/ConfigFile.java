package io.lanyard.control;

import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.PropertiesDefaultProvider;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code lanyardd --config FILE}: the daemon's flags in a file, one {@code NAME=VALUE} per line
 * (a Java properties file; NAME is the flag without its dashes: {@code uplink=eth1},
 * {@code icc=false}, {@code log-opt=max-size=10m,max-file=5}), read before the command line,
 * whose flags win. picocli's {@link PropertiesDefaultProvider} turns them into the flags'
 * defaults; a name that is not one of lanyardd's flags, or a file that cannot be read, stops the
 * start with one line. {@code @FILE} (picocli's argument files) works too: the file's words are
 * the command line's.
 */
final class ConfigFile
{
    static final String FLAG = "--config";

    private ConfigFile()
    {
    }

    /** The file named by {@code --config FILE} or {@code --config=FILE} on the command line, or null. */
    static Path named(final String[] args)
    {
        for (int i = 0; i < args.length; i++)
        {
            if (FLAG.equals(args[i]) && i + 1 < args.length)
            {
                return Path.of(args[i + 1]);
            }
            if (args[i].startsWith(FLAG + "="))
            {
                return Path.of(args[i].substring(FLAG.length() + 1));
            }
        }
        return null;
    }

    /**
     * Makes the file's settings the defaults of {@code commandLine}'s flags.
     *
     * @throws StartupException naming the file and what is wrong with it.
     */
    static void apply(final CommandLine commandLine, final Path file)
    {
        final Properties settings = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8))
        {
            settings.load(reader);
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            throw new StartupException("--config " + file + ": cannot read it: " + ex.getMessage());
        }
        final Set<String> known = new TreeSet<>();
        for (final OptionSpec option : commandLine.getCommandSpec().options())
        {
            known.add(option.longestName().replaceFirst("^--?", ""));
        }
        known.remove(FLAG.substring(2));
        known.removeAll(Set.of("help", "version"));
        for (final String name : settings.stringPropertyNames())
        {
            if (!known.contains(name))
            {
                throw new StartupException("--config " + file + ": '" + name + "' is not a flag of lanyardd (see lanyardd --help)");
            }
        }
        commandLine.setDefaultValueProvider(new PropertiesDefaultProvider(settings));
    }
}
