package io.lanyard.tools;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code lanyard inspect}, {@code logs} and {@code stop}: Docker's commands for one container, for sandboxes. */
final class SandboxCommands
{
    private SandboxCommands()
    {
    }

    @Command(name = "inspect", description = "Display detailed information on one or more sandboxes.", mixinStandardHelpOptions = true)
    static final class Inspect implements Callable<Integer>
    {
        @ParentCommand
        LanyardCli cli;

        @Parameters(arity = "1..*", paramLabel = "SANDBOX", completionCandidates = CompletionCommand.Sandboxes.class)
        List<String> names;

        @Option(names = {"-f", "--format"}, paramLabel = "FORMAT",
            description = "json, or a template such as '{{.Status}}' or '{{json .Networks}}'")
        String format;

        @Override
        public Integer call()
        {
            return cli.daemon().inspectEach(names, name -> "/sandboxes/" + DaemonConnection.encode(name), format);
        }
    }

    @Command(name = "logs", description = "Fetch the output of a sandbox's command.", mixinStandardHelpOptions = true)
    static final class Logs implements Callable<Integer>
    {
        @ParentCommand
        LanyardCli cli;

        @Option(names = {"-f", "--follow"}, description = "follow the output as it is written")
        boolean follow;

        @Option(names = {"-n", "--tail"}, paramLabel = "N", description = "the last N lines only, or all (default: ${DEFAULT-VALUE})")
        String tail = "all";

        @Parameters(index = "0", paramLabel = "SANDBOX", completionCandidates = CompletionCommand.Sandboxes.class)
        String name;

        @Override
        public Integer call()
        {
            if (!"all".equals(tail) && !tail.matches("\\d{1,9}"))
            {
                throw new CliException("lanyard: --tail must be a number of lines or all, not '" + tail + "'");
            }
            cli.daemon().streamBytes("/sandboxes/" + DaemonConnection.encode(name) + "/logs?tail=" + tail + (follow ? "&follow=1" : ""),
                bytes ->
                {
                    System.out.write(bytes, 0, bytes.length);
                    System.out.flush();
                });
            return 0;
        }
    }

    @Command(name = "stop", description = "Stop the command of one or more sandboxes (the sandboxes stay).", mixinStandardHelpOptions = true)
    static final class Stop implements Callable<Integer>
    {
        @ParentCommand
        LanyardCli cli;

        @Option(names = {"-t", "--time"}, paramLabel = "SECONDS", description = "seconds to wait after SIGTERM before SIGKILL (default: ${DEFAULT-VALUE})")
        int seconds = 10;

        @Parameters(arity = "1..*", paramLabel = "SANDBOX", completionCandidates = CompletionCommand.Sandboxes.class)
        List<String> names;

        @Override
        public Integer call()
        {
            if (seconds < 0 || seconds > 3600)
            {
                throw new CliException("lanyard: --time must be from 0 to 3600 seconds, not " + seconds);
            }
            final DaemonConnection daemon = cli.daemon();
            return daemon.forEach(names, name ->
            {
                daemon.post("/sandboxes/" + DaemonConnection.encode(name) + "/stop?t=" + seconds, null);
                return name;
            });
        }
    }
}
