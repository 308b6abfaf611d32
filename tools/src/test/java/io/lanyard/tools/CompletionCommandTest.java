package io.lanyard.tools;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The completion script, run by a real bash against a stand-in {@code lanyard} that answers the name queries. */
class CompletionCommandTest
{
    private static final String FAKE_LANYARD = String.join("\n",
        "lanyard() {",
        "  case \"$*\" in",
        "    'ps --format {{.Names}}') printf 'web\\nworker\\ndb\\n' ;;",
        "    'network ls --format {{.Name}}') printf 'bridge\\nappnet\\n' ;;",
        "  esac",
        "}",
        "complete_line() {",
        "  COMP_LINE=\"$1\"; read -ra COMP_WORDS <<< \"$1\"; [[ \"$1\" == *' ' ]] && COMP_WORDS+=('')",
        "  COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMP_POINT=${#COMP_LINE}; COMPREPLY=()",
        "  _complete_lanyard lanyard \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\" 2>/dev/null",
        "  echo \"$1 => ${COMPREPLY[*]}\"",
        "}");

    @Test
    void shouldCompleteCommandsOptionsAndTheDaemonsSandboxAndNetworkNames() throws Exception
    {
        final FakeDaemon.Output bash = FakeDaemon.Output.of("completion", "bash");
        assertEquals(0, bash.status(), bash.err());

        final List<String> completed = runBash(bash.out(),
            "lanyard exec w", "lanyard logs ", "lanyard network connect ", "lanyard network connect appnet d", "lanyard run --net a",
            "lanyard net", "lanyard network pr", "lanyard ps --fo", "lanyard completion ");

        assertEquals(List.of(
            "lanyard exec w => web worker",
            "lanyard logs  => web worker db",
            "lanyard network connect  => bridge appnet",
            "lanyard network connect appnet d => db",
            "lanyard run --net a => appnet",
            "lanyard net => network",
            "lanyard network pr => prune",
            "lanyard ps --fo => --format",
            "lanyard completion  => bash zsh"), completed);
    }

    @Test
    void shouldGiveZshTheSameScriptThroughBashcompinitAndRefuseOtherShells()
    {
        final FakeDaemon.Output zsh = FakeDaemon.Output.of("completion", "zsh");
        assertEquals(0, zsh.status());
        assertTrue(zsh.out().startsWith("autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n"), zsh.out());
        assertTrue(zsh.out().contains("complete -F _complete_lanyard"), "the bash script follows");
        final FakeDaemon.Output fish = FakeDaemon.Output.of("completion", "fish");
        assertEquals(1, fish.status());
        assertEquals("lanyard: completion is written for bash or zsh, not 'fish'\n", fish.err());
    }

    private static List<String> runBash(final String script, final String... lines) throws Exception
    {
        final Path file = Files.createTempFile("lanyard-completion", ".bash");
        try
        {
            final StringBuilder test = new StringBuilder(script).append('\n').append(FAKE_LANYARD).append('\n');
            for (final String line : lines)
            {
                test.append("complete_line '").append(line).append("'\n");
            }
            Files.writeString(file, test.toString());
            final Process process = new ProcessBuilder("bash", file.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, process.exitValue(), out);
            return out.lines().toList();
        }
        finally
        {
            Files.delete(file);
        }
    }
}
