package io.lanyard.tools;

import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code lanyard port create/ls/rm}: a TAP handed over by name to a VM monitor. The monitor and
 * its guest are {@link PythonPrograms#GUEST}, a process of its own in the daemon's namespace that
 * attaches to the TAP as an unprivileged user and speaks ARP and ICMP itself, with a sandbox on
 * the same network.
 */
class TapPortE2E
{
    private static final String GUEST_IP = "10.85.0.2";
    private static final String GUEST_MAC = "02:42:0a:55:00:02";
    private static final String SANDBOX_IP = "10.85.0.3";
    private static final String OWNER = "4242";

    private LanyardHost host;

    @BeforeEach
    void setUp()
    {
        Privileges.requireNetAdmin("ip", "ping", "nsenter", "python3", "dig");
        host = new LanyardHost("tp").start();
        host.cli("network", "create", "--subnet", "10.85.0.0/24", "vms").ok();
    }

    @AfterEach
    void tearDown()
    {
        if (host != null)
        {
            host.close();
        }
    }

    /** Starts the monitor-and-guest as {@code uid} in the daemon's namespace; its log is {@code log}. */
    private Process guest(final String uid, final Path log)
    {
        return host.namespaces.spawn(host.hostNetns, log, "python3", "-c", PythonPrograms.GUEST, "vm0", uid, GUEST_MAC, GUEST_IP,
            SANDBOX_IP);
    }

    private static long echoReplies(final Path log)
    {
        return LanyardHost.readQuietly(log).lines().filter(l -> l.startsWith("echo-reply ")).count();
    }

    private void awaitMoreEchoReplies(final Path log, final long than)
    {
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(15), () -> echoReplies(log) > than + 2),
            "the guest's pings are answered:\n" + LanyardHost.readQuietly(log) + "\n" + host.log());
    }

    @Test
    void shouldLetAGuestBehindAHandedOverTapTalkToASandboxAcrossARestartAndGoWithRm()
    {
        final String created = host.cli("port", "create", "--tap", "vm0", "--net", "vms", "--user", OWNER).ok().out();
        assertEquals("vm0: guest MAC " + GUEST_MAC + ", address " + GUEST_IP + "/24, gateway 10.85.0.1, MTU 1500", created.strip());
        host.cli("run", "-d", "--name", "c1", "--net", "vms", "--ip", SANDBOX_IP, "--", "sleep", "600").ok();
        final String link = host.inHost("ip", "-d", "link", "show", "vm0").assertOk().output();
        assertTrue(link.contains("user " + OWNER) && link.contains("persist on") && link.contains("NOARP,UP"), link);
        assertFalse(host.inHost("ip", "-o", "addr", "show", "dev", "vm0").output().contains("inet"), "no address in the daemon's namespace");

        final Path strangerLog = host.dir.resolve("stranger.log");
        final Process stranger = guest("4343", strangerLog);
        assertTrue(LanyardHost.eventually(Duration.ofSeconds(10), () -> !stranger.isAlive()), "another user's attach returns");
        assertEquals("refused 1", LanyardHost.readQuietly(strangerLog).strip(), "EPERM for a user that does not own the TAP");

        final Path log = host.dir.resolve("guest.log");
        guest(OWNER, log);
        awaitMoreEchoReplies(log, 0);
        final String sandboxMac = host.inSandbox("c1", "cat", "/sys/class/net/eth0/address").assertOk().output().strip();
        final String guestLog = LanyardHost.readQuietly(log);
        assertTrue(guestLog.startsWith("attached as " + OWNER) && guestLog.contains("arp-reply " + sandboxMac), guestLog);
        host.inSandbox("c1", "ping", "-c", "2", "-W", "2", GUEST_IP).assertOk();
        final Dig dig = Dig.in(host, "c1", "@127.0.0.11", "vm0");
        assertEquals(List.of(new Dig.Answer("vm0.", 600, "A", GUEST_IP)), dig.answers(), dig.output());
        final String listed = host.cli("port", "ls").ok().out();
        assertTrue(listed.contains("vm0") && listed.contains(GUEST_IP + "/24") && listed.contains(OWNER), listed);

        host.terminate();
        final long beforeRestart = echoReplies(log);
        host.start();
        awaitMoreEchoReplies(log, beforeRestart);
        host.inSandbox("c1", "ping", "-c", "2", "-W", "2", GUEST_IP).assertOk();

        host.cli("port", "rm", "vm0").ok();
        assertTrue(host.inHost("ip", "link", "show", "vm0").status() != 0, "the TAP is gone, although its monitor held it");
        assertFalse(host.cli("port", "ls").ok().out().contains("vm0"));
        host.cli("network", "rm", "vms").status();
    }

    @Test
    void shouldHoldAGuestToItsOwnMac()
    {
        host.cli("port", "create", "--tap", "vm2", "--net", "vms", "--user", OWNER).ok();

        // a guest that speaks as another MAC and address than its port's: its ARP requests are dropped and counted
        host.namespaces.spawn(host.hostNetns, host.dir.resolve("spoofer.log"), "python3", "-c", PythonPrograms.GUEST, "vm2", OWNER,
            "02:42:0a:55:00:66", "10.85.0.66", SANDBOX_IP);

        assertTrue(LanyardHost.eventually(Duration.ofSeconds(10), () -> host.drops("", "vm2", "spoofed_mac") >= 3),
            host.cli("stats").out());
        host.cli("port", "rm", "vm2").ok();
    }

    @Test
    void shouldRefuseWithOneLineAndChangeNothing()
    {
        host.inHost("ip", "link", "add", "taken0", "type", "veth", "peer", "name", "taken1").assertOk();
        host.cli("port", "create", "--tap", "vm0", "--net", "vms").ok();

        assertRefused("network nope not found", host.cli("port", "create", "--tap", "vm1", "--net", "nope"));
        assertRefused("only bridge networks take VM ports", host.cli("port", "create", "--tap", "vm1", "--net", "host"));
        assertRefused("only bridge networks take VM ports", host.cli("port", "create", "--tap", "vm1", "--net", "none"));
        assertRefused("an interface named taken0 already exists", host.cli("port", "create", "--tap", "taken0", "--net", "vms"));
        assertRefused("port vm0 already exists", host.cli("port", "create", "--tap", "vm0", "--net", "vms"));
        assertRefused("invalid MAC address: 02:xx", host.cli("port", "create", "--tap", "vm1", "--net", "vms", "--mac", "02:xx"));
        assertRefused("invalid user \"nobody\"", host.cli("port", "create", "--tap", "vm1", "--net", "vms", "--user", "nobody"));
        assertRefused("no configured subnet or ip-range contain the IP address 10.86.0.2",
            host.cli("port", "create", "--tap", "vm1", "--net", "vms", "--ip", "10.86.0.2"));
        assertRefused("Address already in use: " + GUEST_IP, host.cli("port", "create", "--tap", "vm1", "--net", "vms", "--ip", GUEST_IP));
        assertRefused("has active endpoints (vm0)", host.cli("network", "rm", "vms"));
        assertRefused("No such port: vm9", host.cli("port", "rm", "vm9"));

        assertTrue(host.inHost("ip", "link", "show", "vm1").status() != 0);
        final List<String> listed = host.cli("port", "ls").ok().out().lines().toList();
        assertEquals(2, listed.size(), String.join("\n", listed));
    }

    private static void assertRefused(final String expected, final LanyardHost.Result result)
    {
        assertEquals(1, result.status(), result.toString());
        assertTrue(result.err().contains(expected), "expected \"" + expected + "\" in: " + result.err());
        assertEquals(1, result.err().strip().lines().count(), "one line: " + result.err());
    }
}
