package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

/**
 * {@code lanyard trace SANDBOX --to IP[:PORT]}: what the switch does with a frame the sandbox
 * sends there, decided by the forwarding stage's own code and never sent
 * ({@code GET /sandboxes/NAME/trace}), step by step, as Open vSwitch's {@code ofproto/trace}.
 */
@Command(name = "trace", description = "Show what the switch does with a frame a sandbox sends, without sending it.",
    mixinStandardHelpOptions = true)
final class TraceCommand implements Callable<Integer>
{
    @ParentCommand
    LanyardCli cli;

    @Parameters(paramLabel = "SANDBOX", description = "the sandbox that sends the frame")
    String sandbox;

    @Option(names = "--to", paramLabel = "IP[:PORT]", description = "where the frame goes (port: default 80 for tcp, 53 for udp)")
    String to;

    @Option(names = "--follow", description = "instead of a built frame, the next frames the sandbox really sends, each with what the switch did")
    boolean follow;

    @Option(names = "-c", paramLabel = "N", description = "with --follow: how many frames (default: ${DEFAULT-VALUE})")
    int count = 10;

    @Option(names = "--proto", paramLabel = "tcp|udp|icmp", description = "a TCP SYN, a UDP datagram or an ICMP echo request (default: ${DEFAULT-VALUE})")
    String protocol = "tcp";

    @Option(names = "--from-mac", paramLabel = "MAC", description = "send from this MAC instead of the sandbox's own (to see port security)")
    String fromMac;

    @Option(names = "--json", description = "print the daemon's JSON")
    boolean json;

    @Override
    public Integer call()
    {
        if (follow)
        {
            if (count < 1)
            {
                throw new CliException("lanyard: -c must be 1 or more, not " + count);
            }
            cli.daemon().stream("/sandboxes/" + DaemonConnection.encode(sandbox) + "/trace?follow=1&count=" + count, line ->
            {
                System.out.println(json ? line : followed(line));
                System.out.flush();
            });
            return 0;
        }
        if (to == null)
        {
            throw new CliException("lanyard: trace needs --to IP[:PORT], or --follow");
        }
        final JsonNode trace = cli.daemon().get("/sandboxes/" + DaemonConnection.encode(sandbox) + "/trace?to=" + DaemonConnection.encode(to) +
            "&proto=" + DaemonConnection.encode(protocol) + (fromMac == null ? "" : "&from_mac=" + DaemonConnection.encode(fromMac)));
        if (json)
        {
            System.out.println(DaemonConnection.pretty(trace));
            return 0;
        }
        final Table table = new Table("STEP", "RESULT");
        for (final JsonNode step : trace.path("Steps"))
        {
            table.row(step.path("Step").asText(), step.path("Result").asText());
        }
        table.print(System.out);
        return 0;
    }

    /** One followed frame as a line: time, frame, what the switch did. */
    private static String followed(final String line)
    {
        final JsonNode frame = DaemonConnection.jsonLine(line);
        final String verdict = switch (frame.path("Verdict").asText())
        {
            case "drop" -> "dropped: " + frame.path("DropReason").asText();
            case "flood" -> "flooded";
            case "reply" -> "answered by the switch";
            case "consumed" -> "taken by the dataplane";
            default -> "out of port " + frame.path("Egress").asText();
        };
        return frame.path("Time").asText() + "  " + frame.path("Frame").asText() + "  " + verdict;
    }
}
