package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lanyard.client.BuildInfo;
import io.lanyard.client.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/**
 * {@code lanyard version}: as {@code docker version}, the client's version, API version, commit,
 * Java and kernel, then the daemon's ({@code GET /version}). When the daemon cannot be reached the
 * client's part is printed and the error follows (exit 1). {@code --format json} prints
 * {@code {"Client": ..., "Server": ...}}.
 */
@Command(name = "version", description = "Show the Lanyard version information.", mixinStandardHelpOptions = true)
final class VersionCommand implements Callable<Integer>
{
    @ParentCommand
    LanyardCli cli;

    @Option(names = "--format", paramLabel = "table|json", description = "output: docker version's layout, or JSON (default: ${DEFAULT-VALUE})")
    String format = "table";

    @Override
    public Integer call()
    {
        if (!"table".equals(format) && !"json".equals(format))
        {
            throw new CliException("lanyard: --format must be table or json, not '" + format + "'");
        }
        final ObjectNode client = client();
        JsonNode server = null;
        RuntimeException unreachable = null;
        try
        {
            server = cli.daemon().get("/version");
        }
        catch (final RuntimeException ex)
        {
            unreachable = ex;
        }
        if ("json".equals(format))
        {
            final ObjectNode both = Json.MAPPER.createObjectNode();
            both.set("Client", client);
            both.set("Server", server);
            System.out.println(DaemonConnection.json(both));
        }
        else
        {
            print(System.out, "Client:", client);
            if (server != null)
            {
                System.out.println();
                print(System.out, "Server:", server);
            }
        }
        if (unreachable != null)
        {
            throw unreachable;
        }
        return 0;
    }

    static ObjectNode client()
    {
        final BuildInfo build = BuildInfo.current();
        final ObjectNode client = Json.MAPPER.createObjectNode();
        client.put("Version", build.version());
        client.put("ApiVersion", BuildInfo.API_VERSION);
        client.put("GitCommit", build.commit());
        client.put("CommitTime", build.commitTime());
        client.put("JavaVersion", Runtime.version().toString());
        client.put("Os", "linux");
        client.put("Arch", BuildInfo.arch());
        client.put("KernelVersion", System.getProperty("os.version"));
        return client;
    }

    private static void print(final PrintStream out, final String heading, final JsonNode part)
    {
        out.println(heading);
        out.printf(" %-15s %s%n", "Version:", part.path("Version").asText());
        out.printf(" %-15s %s%n", "API version:", part.path("ApiVersion").asText());
        out.printf(" %-15s %s%n", "Git commit:", part.path("GitCommit").asText());
        out.printf(" %-15s %s%n", "Committed:", part.path("CommitTime").asText());
        out.printf(" %-15s %s%n", "Java version:", part.path("JavaVersion").asText());
        out.printf(" %-15s %s/%s%n", "OS/Arch:", part.path("Os").asText(), part.path("Arch").asText());
        out.printf(" %-15s %s%n", "Kernel:", part.path("KernelVersion").asText());
    }

    /** {@code lanyard --version}: the build's line. */
    static final class Provider implements IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            return new String[] {BuildInfo.current().line("lanyard")};
        }
    }
}
