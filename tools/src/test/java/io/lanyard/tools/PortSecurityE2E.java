package io.lanyard.tools;

import io.lanyard.testkit.Privileges;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Port security, tried from inside a sandbox as an attacker would: raw frames written to its own
 * {@code eth0} (an {@code AF_PACKET} socket, as any root process in a container can) with a
 * neighbour's MAC, a neighbour's address, or an ARP claim on the gateway. Each is dropped and
 * counted on the attacker's port, and the neighbours' traffic does not move. On a network that
 * turns it off ({@code com.lanyard.port_security=false}) the same frames pass, but a sandbox's
 * MAC stays pinned behind its own port. One daemon for the class; each test uses sandboxes of its
 * own.
 */
class PortSecurityE2E
{
    private static final Duration COUNTED = Duration.ofSeconds(5);
    private static LanyardHost host;

    @BeforeAll
    static void setUp()
    {
        Privileges.requireNetAdmin("ip", "ping", "nsenter", "python3");
        host = new LanyardHost("ps").start();
    }

    @AfterAll
    static void tearDown()
    {
        if (host != null)
        {
            host.close();
        }
    }

    @Test
    void shouldKeepASandboxFromTakingItsNeighboursMacAndTraffic()
    {
        final String alice = run("alice", "bridge");
        final String bob = run("bob", "bridge");
        run("mallory", "bridge");
        final String bobMac = mac("bob");
        host.cli("exec", "alice", "--", "ping", "-c", "2", "-i", "0.2", "-W", "2", bob).ok();

        // mallory speaks as bob, MAC and address, over and over while alice pings bob
        final String spoof = frames(bobMac, "ff:ff:ff:ff:ff:ff", "0800", ipv4Udp(bob, alice));
        final Process flood = host.spawn(List.of("nsenter", "--net=/run/netns/" + host.prefix() + "mallory", "python3", "-c",
            sendLoop(spoof, 300, 0.01)), host.dir.resolve("mallory-flood.log"));
        final String pings = host.cli("exec", "alice", "--", "ping", "-c", "10", "-i", "0.2", "-W", "2", bob).ok().out();
        flood.destroy();

        assertTrue(pings.contains("10 received"), "every echo request reached bob, none mallory:\n" + pings);
        assertTrue(host.drops("mallory", "eth0", "spoofed_mac") > 0, "mallory's frames as bob were dropped on its port");
        assertEquals(0, host.drops("alice", "eth0", "spoofed_mac"));
        assertTrue(alice.startsWith("172.17."), alice);
    }

    @Test
    void shouldDropAnotherAddressAndAnArpClaimOnTheGatewayFromASandbox()
    {
        final String carol = run("carol", "bridge");
        run("trudy", "bridge");
        final String trudyMac = mac("trudy");
        final String dave = run("dave", "bridge");
        host.cli("exec", "carol", "--", "ping", "-c", "1", "-W", "2", "172.17.0.1").ok();

        // its own MAC, dave's address
        send("trudy", frames(trudyMac, mac("carol"), "0800", ipv4Udp(dave, carol)), 5);
        // an ARP reply that says the gateway is at trudy's MAC, broadcast
        send("trudy", frames(trudyMac, "ff:ff:ff:ff:ff:ff", "0806", arpReply(trudyMac, "172.17.0.1")), 5);

        assertTrue(LanyardHost.eventually(COUNTED, () -> host.drops("trudy", "eth0", "spoofed_ip") == 5 &&
            host.drops("trudy", "eth0", "spoofed_arp") == 5), host.cli("stats").out());
        final String neighbour = host.inSandbox("carol", "ip", "neigh", "show", "172.17.0.1").assertOk().output();
        assertTrue(!neighbour.contains(trudyMac), "carol still has the gateway's own MAC: " + neighbour);
        host.cli("exec", "carol", "--", "ping", "-c", "2", "-i", "0.2", "-W", "2", "172.17.0.1").ok();
        // trudy as itself is not held back
        host.cli("exec", "trudy", "--", "ping", "-c", "1", "-W", "2", carol).ok();
    }

    @Test
    void shouldKeepAMacFloodFromFillingTheTableForEveryone() throws Exception
    {
        host.cli("network", "create", "--subnet", "10.78.0.0/24", "flooded").ok();
        run("flooder", "flooded");
        final String victim = run("victim", "flooded");
        host.cli("network", "create", "--subnet", "10.75.0.0/24", "bystanders").ok();
        run("by1", "bystanders");
        final String by2 = run("by2", "bystanders");
        // the counter is refreshed once a second: let it count the four sandboxes just made before reading it
        LanyardHost.sleep(1500);
        final long entriesBefore = host.dataplaneCounter("mac_entries");

        // 3000 frames, each from a MAC of its own, as a MAC-table flooding tool sends them, while another
        // network's sandboxes talk
        final Process bystanderPings = host.spawn(List.of("nsenter", "--net=/run/netns/" + host.prefix() + "by1", "ping", "-c", "40",
            "-i", "0.05", "-W", "2", by2), host.dir.resolve("bystander-pings.log"));
        floodMacs("flooder", 3000, 0x55);
        assertEquals(0, bystanderPings.waitFor(), "the bystanders' 40 pings all came back during the flood: " +
            java.nio.file.Files.readString(host.dir.resolve("bystander-pings.log")));

        // the flooder's own TAP queue may drop some of a burst this fast: count what reached the switch
        LanyardHost.sleep(1500);
        final long dropped = host.drops("flooder", "eth0", "spoofed_mac");
        assertTrue(dropped >= 1000, "the flood reached the switch and was dropped: " + dropped);
        assertTrue(rxPackets("flooder") - dropped < 50, "every flood frame that came in was dropped: " + rxPackets("flooder") + " in, " +
            dropped + " dropped");
        assertTrue(host.dataplaneCounter("mac_entries") < entriesBefore + 10,
            "none of the flood's MACs was learned: " + entriesBefore + " -> " + host.dataplaneCounter("mac_entries"));
        // a sandbox made after the flood is learned and reached like any other, without a flood to the flooder
        final String late = run("late", "flooded");
        final long flooderBefore = txPackets("flooder");
        host.cli("exec", "victim", "--", "ping", "-c", "20", "-i", "0.05", "-W", "2", late).ok();
        // the 20 echo requests, flooded, would be 20 frames more; broadcasts and multicast (an ARP request, late's
        // IPv6 announcements) reach every port and may be a few
        assertTrue(txPackets("flooder") - flooderBefore < 10, "the flooder saw the victim's unicast: " +
            (txPackets("flooder") - flooderBefore) + " frames");
        assertTrue(victim.startsWith("10.78.0."), victim);
    }

    @Test
    void shouldSendUnicastForAnUnknownMacNowhereButTheHostSide()
    {
        host.cli("network", "create", "--subnet", "10.79.0.0/24", "quiet").ok();
        final String sender = run("sender", "quiet");
        final String listener = run("listener", "quiet");
        LanyardHost.sleep(500);
        final long before = txPackets("listener");

        // as itself, to a MAC no sandbox has: a sandbox's MAC is known (pinned), so this is for none of them
        send("sender", frames(mac("sender"), "02:42:0a:4f:00:ee", "0800", ipv4Udp(sender, listener)), 20);

        LanyardHost.sleep(1000);
        assertTrue(txPackets("listener") - before < 5, "the listener got unicast meant for another MAC: " +
            (txPackets("listener") - before) + " frames");
        assertEquals(0, host.drops("sender", "eth0", "spoofed_mac"));
    }

    @Test
    void shouldLetANetworkTurnPortSecurityOff()
    {
        final LanyardHost.Result refused = host.cli("network", "create", "--opt", "com.lanyard.port_security=maybe", "nope");
        assertEquals(1, refused.status());
        assertTrue(refused.err().contains("invalid value \"maybe\" for option com.lanyard.port_security: want true or false"),
            refused.err());
        host.cli("network", "create", "--subnet", "10.77.0.0/24", "--opt", "com.lanyard.port_security=false", "relaxed").ok();
        run("eve", "relaxed");
        final String frank = run("frank", "relaxed");
        final long delivered = txPackets("frank");

        // another MAC and address than eve's: flooded to frank as any broadcast is
        send("eve", frames("02:42:0a:4d:00:99", "ff:ff:ff:ff:ff:ff", "0800", ipv4Udp("10.77.0.99", frank)), 5);

        assertTrue(LanyardHost.eventually(COUNTED, () -> txPackets("frank") >= delivered + 5), host.cli("stats").out());
        assertEquals(0, host.drops("eve", "eth0", "spoofed_mac"), "no port security on this network");
        assertEquals(0, host.drops("eve", "eth0", "spoofed_ip"));

        // as frank's own MAC: passed on too, but frank's MAC is pinned behind frank's port, so its traffic stays there
        final String frankMac = mac("frank");
        final long eveBefore = txPackets("eve");
        final long pinnedBefore = host.dataplaneCounter("mac_pinned_refused");
        send("eve", frames(frankMac, "ff:ff:ff:ff:ff:ff", "0800", ipv4Udp(frank, "10.77.0.1")), 5);
        run("heidi", "relaxed");
        host.cli("exec", "heidi", "--", "ping", "-c", "20", "-i", "0.05", "-W", "2", frank).ok();
        // the 20 echo requests, taken, would be 20 frames more; broadcasts (heidi's ARP for frank, the host's ARP
        // for frank's address when it answers eve's frames) reach every port and may be a few
        assertTrue(txPackets("eve") - eveBefore < 10, "eve took frank's traffic: " + (txPackets("eve") - eveBefore) + " frames");
        assertTrue(LanyardHost.eventually(COUNTED, () -> host.dataplaneCounter("mac_pinned_refused") >= pinnedBefore + 5),
            "frank's MAC seen on eve's port was counted: " + host.dataplaneCounter("mac_pinned_refused"));

        // but no more than 64 MACs are learned behind eve's port (one of them already the one it just sent as): a
        // flood of new ones cannot fill the table. The counter is refreshed once a second: let it settle first.
        LanyardHost.sleep(1500);
        final long entriesBefore = host.dataplaneCounter("mac_entries");
        floodMacs("eve", 2000, 0x66);
        assertTrue(LanyardHost.eventually(COUNTED, () -> host.dataplaneCounter("mac_port_limit_refused") > 500),
            "refused once eve's port held 64: " + host.dataplaneCounter("mac_port_limit_refused"));
        LanyardHost.sleep(1500);
        final long learned = host.dataplaneCounter("mac_entries") - entriesBefore;
        assertTrue(learned < 64, "MACs learned behind eve from the flood (it had one already): " + learned);
        final String grace = run("grace", "relaxed");
        host.cli("exec", "frank", "--", "ping", "-c", "2", "-i", "0.2", "-W", "2", grace).ok();
    }

    @Test
    void shouldLetOneEndpointTurnPortSecurityOffOrOn()
    {
        final LanyardHost.Result refused = host.cli("run", "-d", "--name", "nobody", "--driver-opt", "com.lanyard.port_security=no");
        assertEquals(1, refused.status());
        assertTrue(refused.err().contains("invalid value \"no\" for option com.lanyard.port_security: want true or false"),
            refused.err());
        final LanyardHost.Result unknown = host.cli("run", "-d", "--name", "nobody", "--driver-opt", "com.lanyard.mystery=1");
        assertTrue(unknown.err().contains("unknown endpoint option \"com.lanyard.mystery\""), unknown.err());
        assertEquals(1, host.cli("rm", "nobody").status(), "nothing was made");

        // on the secured default bridge, one sandbox that routes for others
        final String router = run("router", "bridge", "--driver-opt", "com.lanyard.port_security=false");
        final String target = run("target", "bridge");
        final long delivered = txPackets("target");
        send("router", frames("02:42:ac:11:00:99", "ff:ff:ff:ff:ff:ff", "0800", ipv4Udp("172.17.99.1", target)), 5);
        assertTrue(LanyardHost.eventually(COUNTED, () -> txPackets("target") >= delivered + 5), host.cli("stats").out());
        assertEquals(0, host.drops("router", "eth0", "spoofed_mac"));
        assertEquals("false", host.get("/sandboxes/router").path("Networks").path("bridge").path("DriverOpts")
            .path("com.lanyard.port_security").asText());
        assertTrue(router.startsWith("172.17."), router);

        // on a network without port security, one endpoint connected with it on
        host.cli("network", "create", "--subnet", "10.76.0.0/24", "--opt", "com.lanyard.port_security=false", "loose").ok();
        host.cli("network", "connect", "--driver-opt", "com.lanyard.port_security=true", "loose", "target").ok();
        final String loose = host.get("/sandboxes/target").path("Networks").path("loose").path("IPAddress").asText();
        host.inSandbox("target", "python3", "-c", sendLoop(frames("02:42:0a:4c:00:99", "ff:ff:ff:ff:ff:ff", "0800",
            ipv4Udp("10.76.0.99", loose)), 5, 0).replace("'eth0'", "'eth1'")).assertOk();
        assertTrue(LanyardHost.eventually(COUNTED, () -> host.drops("target", "eth1", "spoofed_mac") == 5), host.cli("stats").out());
    }

    /** Frames the switch wrote to the sandbox's eth0. */
    private static long txPackets(final String sandbox)
    {
        return portCounter(sandbox, "TxPackets");
    }

    /** Frames the switch read from the sandbox's eth0. */
    private static long rxPackets(final String sandbox)
    {
        return portCounter(sandbox, "RxPackets");
    }

    private static long portCounter(final String sandbox, final String counter)
    {
        for (final com.fasterxml.jackson.databind.JsonNode port : host.get("/stats").path("Ports"))
        {
            if (port.path("Sandbox").asText().equals(sandbox) && port.path("Interface").asText().equals("eth0"))
            {
                return port.path(counter).asLong();
            }
        }
        throw new AssertionError("no port " + sandbox + "/eth0 in the stats");
    }

    /** {@code lanyard run -d --name NAME --network NETWORK [FLAGS]}; returns its IPv4 address. */
    private static String run(final String name, final String network, final String... flags)
    {
        final List<String> command = new java.util.ArrayList<>(List.of("run", "-d", "--name", name, "--network", network));
        command.addAll(List.of(flags));
        host.cli(command.toArray(String[]::new)).ok();
        return host.get("/sandboxes/" + name).path("Networks").path(network).path("IPAddress").asText();
    }

    private static String mac(final String sandbox)
    {
        return host.inSandbox(sandbox, "cat", "/sys/class/net/eth0/address").assertOk().output().strip();
    }

    /** Broadcasts {@code count} frames from inside the sandbox, each from a MAC of its own: 02:TAG:00:00:00:00 and up. */
    private static void floodMacs(final String sandbox, final int count, final int tag)
    {
        host.inSandbox(sandbox, "python3", "-c",
            "import socket; s=socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(('eth0',0))\n" +
            "for i in range(" + count + "):\n" +
            "    s.send(bytes.fromhex('ffffffffffff') + bytes([2, " + tag + "]) + i.to_bytes(4, 'big') + bytes.fromhex('88b5') + bytes(46))")
            .assertOk();
    }

    /** Sends the hex frame {@code count} times from inside the sandbox, raw on its eth0. */
    private static void send(final String sandbox, final String frame, final int count)
    {
        host.inSandbox(sandbox, "python3", "-c", sendLoop(frame, count, 0)).assertOk();
    }

    private static String sendLoop(final String frame, final int count, final double pause)
    {
        return "import socket, time; s=socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(('eth0',0));" +
            "f=bytes.fromhex('" + frame + "')\nfor _ in range(" + count + "):\n    s.send(f); time.sleep(" + pause + ")";
    }

    /** An Ethernet frame in hex: destination, source, EtherType, payload (padded to 60 bytes). */
    private static String frames(final String source, final String destination, final String etherType, final String payload)
    {
        final StringBuilder frame = new StringBuilder(destination.replace(":", "") + source.replace(":", "") + etherType + payload);
        while (frame.length() < 120)
        {
            frame.append("00");
        }
        return frame.toString();
    }

    /** A 28-byte IPv4/UDP packet (no payload, no UDP checksum) from {@code source} to {@code destination}, port 9 to 9. */
    private static String ipv4Udp(final String source, final String destination)
    {
        final String addresses = hexAddress(source) + hexAddress(destination);
        final String header = "45000024" + "00004000" + "4011" + "0000" + addresses;
        return header.substring(0, 20) + checksum(header) + header.substring(24) + "0009" + "0009" + "0010" + "0000" + "0000000000000000";
    }

    private static String arpReply(final String senderMac, final String senderAddress)
    {
        return "0001" + "0800" + "06" + "04" + "0002" + senderMac.replace(":", "") + hexAddress(senderAddress) +
            "ffffffffffff" + hexAddress(senderAddress);
    }

    private static String hexAddress(final String dotted)
    {
        final StringBuilder hex = new StringBuilder();
        for (final String part : dotted.split("\\."))
        {
            hex.append(String.format("%02x", Integer.parseInt(part)));
        }
        return hex.toString();
    }

    private static String checksum(final String header)
    {
        long sum = 0;
        for (int i = 0; i < header.length(); i += 4)
        {
            sum += Integer.parseInt(header.substring(i, i + 4), 16);
        }
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return String.format("%04x", ~sum & 0xFFFF);
    }
}
