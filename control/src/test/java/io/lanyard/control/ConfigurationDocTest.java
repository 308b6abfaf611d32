package io.lanyard.control;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/CONFIGURATION.md's table stays true: every flag of lanyardd, each with the default the daemon has. */
class ConfigurationDocTest
{
    @Test
    void shouldListEveryFlagWithItsDefault() throws Exception
    {
        final List<String> rows = Files.readAllLines(Path.of("../docs/CONFIGURATION.md")).stream().filter(line -> line.startsWith("| `--")).toList();
        final CommandLine commandLine = new CommandLine(new Lanyardd());
        int flags = 0;
        for (final OptionSpec option : commandLine.getCommandSpec().options())
        {
            if (Set.of("--help", "--version").contains(option.longestName()))
            {
                continue;
            }
            flags++;
            final String row = rows.stream().filter(line -> line.startsWith("| `" + option.longestName() + "`") ||
                line.startsWith("| `" + option.longestName() + " ")).findFirst().orElseThrow(() -> new AssertionError(option.longestName() +
                " is missing from docs/CONFIGURATION.md"));
            final String value = option.defaultValue() != null ? option.defaultValue() :
                option.initialValue() == null || option.initialValue() instanceof List ? null : String.valueOf(option.initialValue());
            if (value != null && !"0".equals(value) && !"false".equals(value) && !value.isEmpty())
            {
                assertTrue(row.contains("`" + value + "`"), option.longestName() + "'s default " + value + " in: " + row);
            }
        }
        assertEquals(flags, rows.size(), "one row per flag, no row for a flag that is gone");
    }
}
