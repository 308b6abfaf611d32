package io.lanyard.client;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BuildInfoTest
{
    @Test
    void shouldCarryThePomsVersionAndTheCommitItWasBuiltFrom() throws Exception
    {
        final BuildInfo build = BuildInfo.current();
        assertTrue(build.version().matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), build.version());
        final String head = git("rev-parse", "--short=12", "HEAD");
        if (head == null)
        {
            assertEquals(BuildInfo.UNKNOWN, build.commit(), "built without git");
            return;
        }
        assertEquals(head, build.commit().replace("-dirty", ""), "the commit checked out when the build ran");
        assertTrue(build.commitTime().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d.*"), build.commitTime());
        assertEquals("lanyard " + build.version() + " (commit " + build.commit() + ")", build.line("lanyard"));
    }

    @Test
    void shouldSayUnknownForWhatTheBuildDidNotFillInAndMarkAChangedTree()
    {
        final Properties unfiltered = new Properties();
        unfiltered.setProperty("version", "${project.version}");
        unfiltered.setProperty("commit", "${git.commit.id.abbrev}");
        unfiltered.setProperty("dirty", "${git.dirty}");
        final BuildInfo none = new BuildInfo(unfiltered);
        assertEquals("unknown", none.version());
        assertEquals("unknown", none.commit());
        assertEquals("unknown", none.commitTime());

        final Properties changed = new Properties();
        changed.setProperty("version", "1.2.3");
        changed.setProperty("commit", "0123456789ab");
        changed.setProperty("dirty", "true");
        assertEquals("lanyardd 1.2.3 (commit 0123456789ab-dirty)", new BuildInfo(changed).line("lanyardd"));
    }

    /** A git command's one line of output in this module's directory, or null when there is no git or no repository. */
    private static String git(final String... arguments) throws Exception
    {
        final String[] command = new String[arguments.length + 1];
        command[0] = "git";
        System.arraycopy(arguments, 0, command, 1, arguments.length);
        final Process process;
        try
        {
            process = new ProcessBuilder(command).directory(new File(".")).redirectErrorStream(true).start();
        }
        catch (final java.io.IOException noGit)
        {
            return null;
        }
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0 ? out : null;
    }
}
