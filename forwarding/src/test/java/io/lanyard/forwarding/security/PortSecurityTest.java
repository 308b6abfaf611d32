package io.lanyard.forwarding.security;

import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.Slot;
import io.lanyard.forwarding.verdict.DropReason;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PortSecurityTest
{
    private static final int PORT = 3;
    private static final int OTHER_PORT = 4;
    private static final long OWN_MAC = 0x0242_AC11_0002L;
    private static final long NEIGHBOUR_MAC = 0x0242_AC11_0003L;
    private static final long GATEWAY_MAC = 0x0242_AC11_0001L;
    private static final int OWN_IP = 0xAC11_0002;
    private static final int NEIGHBOUR_IP = 0xAC11_0003;
    private static final int GATEWAY_IP = 0xAC11_0001;
    private static final int ARP_REQUEST = 1;
    private static final int ARP_REPLY = 2;

    private final PortSecurity security = new PortSecurity(16);

    @Test
    void shouldPassWhatASecuredPortSendsAsItself()
    {
        security.secure(PORT, OWN_MAC, new int[] {OWN_IP});

        assertEquals(PortSecurity.PASS, check(PORT, FrameBuilder.echoRequest(OWN_IP, NEIGHBOUR_IP, 1, 1).ethernet(OWN_MAC, NEIGHBOUR_MAC).slot()));
        assertEquals(PortSecurity.PASS, check(PORT, FrameBuilder.udp(0, 68, 0xFFFF_FFFF, 67).payload(300).ethernet(OWN_MAC, -1L).slot()),
            "0.0.0.0: a DHCP client before it has an address");
        assertEquals(PortSecurity.PASS, check(PORT, FrameBuilder.arp(OWN_MAC, -1L, ARP_REQUEST, OWN_MAC, OWN_IP, 0, GATEWAY_IP)));
        assertEquals(PortSecurity.PASS, check(PORT, FrameBuilder.arp(OWN_MAC, -1L, ARP_REQUEST, OWN_MAC, 0, 0, OWN_IP)),
            "an address probe (RFC 5227) says 0.0.0.0");
        assertEquals(PortSecurity.PASS, check(PORT, FrameBuilder.arp(OWN_MAC, GATEWAY_MAC, ARP_REPLY, OWN_MAC, OWN_IP, GATEWAY_MAC, GATEWAY_IP)));
    }

    @Test
    void shouldDropAFrameFromAnotherMac()
    {
        security.secure(PORT, OWN_MAC, new int[] {OWN_IP});

        assertEquals(DropReason.SPOOFED_MAC.ordinal(),
            check(PORT, FrameBuilder.echoRequest(NEIGHBOUR_IP, GATEWAY_IP, 1, 1).ethernet(NEIGHBOUR_MAC, GATEWAY_MAC).slot()),
            "a neighbour's MAC and address: taking its traffic");
        assertEquals(DropReason.SPOOFED_MAC.ordinal(),
            check(PORT, FrameBuilder.echoRequest(OWN_IP, GATEWAY_IP, 1, 1).ethernet(0x0242_1234_5678L, GATEWAY_MAC).slot()),
            "a random MAC: filling the MAC table");
        assertEquals(DropReason.SPOOFED_MAC.ordinal(), check(PORT, FrameBuilder.etherFrame(NEIGHBOUR_MAC, -1L, 0x86DD, 80)),
            "any EtherType: IPv6");
        assertEquals(PortSecurity.PASS, check(PORT, FrameBuilder.etherFrame(OWN_MAC, -1L, 0x86DD, 80)), "IPv6 is held to the MAC alone");
        assertEquals(PortSecurity.PASS, check(PORT, FrameBuilder.echoRequest(OWN_IP, NEIGHBOUR_IP, 1, 1)
            .ethernet(OWN_MAC, NEIGHBOUR_MAC).slot().truncate(10)), "too short to carry a source MAC: the switch's malformed");
        assertEquals(PortSecurity.PASS, check(PORT, FrameBuilder.etherFrame(-1L, -1L, 0x0800, 60)),
            "a group source MAC is no one's: the switch's bad_source_mac");
    }

    @Test
    void shouldDropIpv4FromAnotherAddress()
    {
        security.secure(PORT, OWN_MAC, new int[] {OWN_IP});

        assertEquals(DropReason.SPOOFED_IP.ordinal(),
            check(PORT, FrameBuilder.udp(NEIGHBOUR_IP, 53, 0xC633_6402, 53).payload(20).ethernet(OWN_MAC, GATEWAY_MAC).slot()));
        assertEquals(DropReason.SPOOFED_IP.ordinal(),
            check(PORT, FrameBuilder.tcp(0xC000_0201, 80, NEIGHBOUR_IP, 1234, 0x12).ethernet(OWN_MAC, NEIGHBOUR_MAC).slot()),
            "an outside address: reflecting traffic");
        assertEquals(DropReason.SPOOFED_IP.ordinal(),
            check(PORT, FrameBuilder.echoRequest(OWN_IP, NEIGHBOUR_IP, 1, 1).ethernet(OWN_MAC, NEIGHBOUR_MAC).slot().truncate(14 + 10)),
            "an IPv4 header too short to name its source");
    }

    @Test
    void shouldDropArpThatSpeaksForAnotherMacOrAddress()
    {
        security.secure(PORT, OWN_MAC, new int[] {OWN_IP});

        assertEquals(DropReason.SPOOFED_ARP.ordinal(),
            check(PORT, FrameBuilder.arp(OWN_MAC, -1L, ARP_REPLY, OWN_MAC, GATEWAY_IP, -1L, GATEWAY_IP)), "claiming the gateway");
        assertEquals(DropReason.SPOOFED_ARP.ordinal(),
            check(PORT, FrameBuilder.arp(OWN_MAC, -1L, ARP_REPLY, OWN_MAC, NEIGHBOUR_IP, -1L, NEIGHBOUR_IP)), "claiming a neighbour");
        assertEquals(DropReason.SPOOFED_ARP.ordinal(),
            check(PORT, FrameBuilder.arp(OWN_MAC, -1L, ARP_REQUEST, NEIGHBOUR_MAC, OWN_IP, 0, GATEWAY_IP)), "another sender MAC inside");
        assertEquals(DropReason.SPOOFED_ARP.ordinal(),
            check(PORT, FrameBuilder.arp(OWN_MAC, -1L, ARP_REQUEST, OWN_MAC, OWN_IP, 0, GATEWAY_IP).truncate(14 + 20)), "cut short");
    }

    @Test
    void shouldPassEverythingFromAPortNobodySecuredOrThatWasReleased()
    {
        final Slot spoofed = FrameBuilder.echoRequest(NEIGHBOUR_IP, GATEWAY_IP, 1, 1).ethernet(NEIGHBOUR_MAC, GATEWAY_MAC).slot();
        security.secure(PORT, OWN_MAC, new int[] {OWN_IP});

        assertEquals(PortSecurity.PASS, check(OTHER_PORT, spoofed), "the host's side, the uplink, an overlay port");
        assertEquals(PortSecurity.PASS, check(99, spoofed), "no such port: nothing to hold it to");
        assertTrue(security.isSecured(PORT));
        security.release(PORT);
        assertFalse(security.isSecured(PORT));
        assertEquals(PortSecurity.PASS, check(PORT, spoofed), "a released id (reused by the next port) starts unsecured");
    }

    @Test
    void shouldHoldAPortToEachOfItsAddresses()
    {
        security.secure(PORT, OWN_MAC, new int[] {OWN_IP, 0x0A00_0005});

        assertEquals(PortSecurity.PASS, check(PORT, FrameBuilder.echoRequest(0x0A00_0005, 0x0A00_0001, 1, 1).ethernet(OWN_MAC, GATEWAY_MAC).slot()));
        assertEquals(DropReason.SPOOFED_IP.ordinal(),
            check(PORT, FrameBuilder.echoRequest(0x0A00_0006, 0x0A00_0001, 1, 1).ethernet(OWN_MAC, GATEWAY_MAC).slot()));
    }

    @Test
    void shouldRefuseAMacNoStationSendsFromAndAPortOutOfRange()
    {
        assertThrows(IllegalArgumentException.class, () -> security.secure(PORT, 0, new int[] {OWN_IP}));
        assertThrows(IllegalArgumentException.class, () -> security.secure(PORT, 0x0100_5E00_0001L, new int[] {OWN_IP}), "multicast");
        assertThrows(IllegalArgumentException.class, () -> security.secure(PORT, 1L << 48, new int[] {OWN_IP}));
        assertThrows(IllegalArgumentException.class, () -> security.secure(16, OWN_MAC, new int[] {OWN_IP}));
        assertFalse(security.isSecured(PORT), "nothing changed");
    }

    private int check(final int port, final Slot slot)
    {
        return security.check(port, slot.buffer, Slot.FRAME_OFFSET, slot.length());
    }
}
