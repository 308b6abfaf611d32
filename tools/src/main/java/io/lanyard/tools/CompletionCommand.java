package io.lanyard.tools;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code lanyard completion bash|zsh}: the shell completion script, picocli's
 * {@link AutoComplete} for every command and option, with the names of sandboxes and networks
 * asked of the daemon when they are completed ({@code lanyard ps --format '{{.Names}}'},
 * {@code lanyard network ls --format '{{.Name}}'}). zsh runs the same script through its
 * {@code bashcompinit}. Install: {@code lanyard completion bash > /etc/bash_completion.d/lanyard},
 * or source it from a shell's start-up file.
 */
@Command(name = "completion", description = "Print the shell completion script (bash or zsh).", mixinStandardHelpOptions = true)
final class CompletionCommand implements Callable<Integer>
{
    private static final String SANDBOXES = "$(_lanyard_names sandboxes)";
    private static final String NETWORKS = "$(_lanyard_names networks)";

    /** Asks the daemon with the command being completed (its first word), so tools/bin/lanyard works too. */
    private static final String NAMES_FUNCTION = String.join("\n",
        "# the names of sandboxes or networks, asked of lanyardd by the command being completed",
        "_lanyard_names() {",
        "  local lanyard=${COMP_WORDS[0]:-lanyard}",
        "  case $1 in",
        "    sandboxes) \"$lanyard\" ps --format '{{.Names}}' 2>/dev/null ;;",
        "    networks) \"$lanyard\" network ls --format '{{.Name}}' 2>/dev/null ;;",
        "  esac",
        "}",
        "");

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SHELL", completionCandidates = Shells.class, description = "bash or zsh")
    String shell;

    @Override
    public Integer call()
    {
        final String script = script(spec.root().commandLine());
        switch (shell)
        {
            case "bash" -> System.out.print(script);
            case "zsh" -> System.out.print("autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n" + script);
            default -> throw new CliException("lanyard: completion is written for bash or zsh, not '" + shell + "'");
        }
        return 0;
    }

    static String script(final CommandLine root)
    {
        // picocli quotes a candidate as one word; unquoted, the names the function prints become a word each
        return NAMES_FUNCTION + AutoComplete.bash("lanyard", root)
            .replace("(\"" + SANDBOXES + "\")", "(" + SANDBOXES + ")")
            .replace("(\"" + NETWORKS + "\")", "(" + NETWORKS + ")");
    }

    /** The sandboxes' names, when the shell completes them. */
    static final class Sandboxes implements Iterable<String>
    {
        @Override
        public Iterator<String> iterator()
        {
            return List.of(SANDBOXES).iterator();
        }
    }

    /** The networks' names, when the shell completes them. */
    static final class Networks implements Iterable<String>
    {
        @Override
        public Iterator<String> iterator()
        {
            return List.of(NETWORKS).iterator();
        }
    }

    static final class Shells implements Iterable<String>
    {
        @Override
        public Iterator<String> iterator()
        {
            return List.of("bash", "zsh").iterator();
        }
    }
}
