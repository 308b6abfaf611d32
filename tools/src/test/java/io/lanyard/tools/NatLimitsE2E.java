package io.lanyard.tools;

import io.lanyard.testkit.Privileges;
import io.lanyard.testkit.Shell;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static io.lanyard.tools.LanyardHost.OUTSIDE_ADDRESS;
import static io.lanyard.tools.LanyardHost.UPLINK_ADDRESS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The connection table's bounds, for real: {@code --conntrack-timeout} makes an idle mapping
 * expire (and a late answer to it unsolicited), {@code --nat-table-size} refuses new flows when
 * full while the tracked ones carry on.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NatLimitsE2E
{
    private static final int OUTSIDE_UDP = 7777;

    private LanyardHost host;
    private Path outsideLog;

    @BeforeAll
    void setUp()
    {
        Privileges.requireNetAdmin("ip", "ping", "nsenter", "python3", "sysctl");
        host = new LanyardHost("lim", "--nat-table-size", "2", "--conntrack-timeout", "udp=2", "--conntrack-timeout", "udp_stream=2");
        host.withUplink().start();
        outsideLog = host.dir.resolve("outside.log");
        PythonPrograms.serve(host, host.outsideNetns, outsideLog, OUTSIDE_ADDRESS, 8000, OUTSIDE_UDP);
    }

    @AfterAll
    void tearDown()
    {
        if (host != null)
        {
            host.close();
        }
    }

    @Test
    void shouldExpireAnIdleUdpMappingAndDropTheLateAnswerAsUnsolicited()
    {
        host.cli("run", "-d", "--name", "e1").ok();
        awaitEmptyTable();
        final long expired = host.dataplaneCounter("nat_expired");
        final long unsolicited = host.drops("", "up0", "unsolicited");
        final Process ticker = tickDataplane();

        // one socket, one mapping: an answer at once, then an answer (10 copies) 4 s later, after the 2 s timeout
        final Shell.Result result = host.inSandbox("e1", "python3", "-c", String.join("\n",
            "import socket",
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
            "s.bind(('0.0.0.0', 40001))",
            "s.connect(('" + OUTSIDE_ADDRESS + "', " + OUTSIDE_UDP + "))",
            "s.settimeout(2)",
            "s.send(b'first')",
            "print(s.recv(100).decode())",
            "s.settimeout(6)",
            "s.send(b'late:4:10')",
            "try:",
            "    print(s.recv(100).decode())",
            "except OSError as e:",
            "    print('nothing: ' + type(e).__name__)"));
        final List<String> lines = result.assertOk().output().lines().toList();
        assertTrue(lines.get(0).startsWith("saw " + UPLINK_ADDRESS + ":") && lines.get(0).endsWith(" first"), result.output());
        assertEquals("nothing: TimeoutError", lines.get(1), "the late answer must not reach the container: " + result.output());
        final String natPort = lines.get(0).split("[: ]")[2];
        assertTrue(LanyardHost.readQuietly(outsideLog).contains("udp from " + UPLINK_ADDRESS + ":" + natPort + " late:4:10"),
            "the late answer went to the mapped port " + natPort + ":\n" + LanyardHost.readQuietly(outsideLog));

        assertTrue(LanyardHost.eventually(Duration.ofSeconds(3), () -> host.drops("", "up0", "unsolicited") >= unsolicited + 10),
            "the 10 late copies were dropped as unsolicited: " + unsolicited + " → " + host.drops("", "up0", "unsolicited"));
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(3), () -> host.dataplaneCounter("nat_expired") > expired &&
            host.dataplaneCounter("nat_connections") == 0), "the mapping expired and was counted: " + host.cli("stats").out());
        ticker.destroy();
    }

    @Test
    void shouldRefuseANewFlowWhenTheTableIsFullAndKeepTrackedOnesWorking()
    {
        host.cli("run", "-d", "--name", "f1").ok();
        awaitEmptyTable();
        final long refused = host.dataplaneCounter("nat_refused_full");
        final long tableFull = host.drops("f1", "eth0", "nat_table_full");

        final String program = String.join("\n",
            "import socket, sys",
            "def flow(port):",
            "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
            "    s.bind(('0.0.0.0', port))",
            "    s.connect(('" + OUTSIDE_ADDRESS + "', " + OUTSIDE_UDP + "))",
            "    s.settimeout(0.8)",
            "    return s",
            "def ask(s, text):",
            "    s.send(text.encode())",
            "    try:",
            "        return s.recv(100).decode()",
            "    except OSError:",
            "        return 'nothing'",
            "one, two, three = flow(41001), flow(41002), flow(41003)",
            "for s, text in [(one, 'one'), (two, 'two'), (one, 'one-again'), (three, 'three'), (one, 'one-still')]:",
            "    print(text + ' -> ' + ask(s, text), flush=True)");
        final String out = host.inSandbox("f1", "python3", "-c", program).assertOk().output();
        final List<String> lines = out.lines().toList();
        assertEquals(5, lines.size(), out);
        assertTrue(lines.get(0).matches("one -> saw 198\\.51\\.100\\.2:\\d+ one"), out);
        assertTrue(lines.get(1).matches("two -> saw 198\\.51\\.100\\.2:\\d+ two"), out);
        assertTrue(lines.get(2).matches("one-again -> saw .* one-again"), out);
        assertEquals("three -> nothing", lines.get(3), "a third flow does not fit a table of 2: " + out);
        assertTrue(lines.get(4).matches("one-still -> saw .* one-still"), "the first flow still works: " + out);
        assertFalse(LanyardHost.readQuietly(outsideLog).lines().anyMatch(l -> l.endsWith(" three")), "the third flow never left");
        assertTrue(host.drops("f1", "eth0", "nat_table_full") > tableFull, host.cli("stats").out());
        final Process ticker = tickDataplane();
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(3), () -> host.dataplaneCounter("nat_refused_full") > refused),
            host.cli("stats").out());
        ticker.destroy();

        // once the two expire, there is room again
        awaitEmptyTable();
        final Shell.Result later = PythonPrograms.client(host, host.prefix() + "f1", "udp", OUTSIDE_ADDRESS,
            Integer.toString(OUTSIDE_UDP), "three-later", "2", "41003");
        assertTrue(later.output().startsWith("saw " + UPLINK_ADDRESS + ":"), later.output());
    }

    /**
     * Pings the uplink address from outside every 200 ms: echo to the uplink address is answered
     * without a connection, and each frame gives the forwarding stage a batch, after which it
     * expires connections (once a second) and refreshes the counters.
     */
    private Process tickDataplane()
    {
        return host.namespaces.spawn(host.outsideNetns, null, "ping", "-q", "-i", "0.2", "-c", "100", UPLINK_ADDRESS);
    }

    private void awaitEmptyTable()
    {
        final Process ticker = tickDataplane();
        try
        {
            // the counters are refreshed once a second, after a batch of frames: read one written after now
            LanyardHost.sleep(1500);
            assertTrue(LanyardHost.eventually(Duration.ofSeconds(8), () -> host.dataplaneCounter("nat_connections") == 0),
                "the connection table empties with 2 s UDP timeouts: " + host.cli("stats").out());
        }
        finally
        {
            ticker.destroy();
        }
    }
}
