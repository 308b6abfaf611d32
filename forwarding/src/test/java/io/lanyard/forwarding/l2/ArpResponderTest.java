package io.lanyard.forwarding.l2;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.testkit.Slot;
import io.lanyard.forwarding.wire.ArpPacket;
import io.lanyard.forwarding.wire.EthernetFrame;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArpResponderTest
{
    private static final int NET = 0;
    private static final int OTHER_NET = 1;
    private static final int ADDRESS_A = 0x0A58_0002;
    private static final long MAC_A = 0x0242_0A58_0002L;
    private static final int ADDRESS_B = 0x0A58_0003;
    private static final long MAC_B = 0x0242_0A58_0003L;
    private static final int A = 1;
    private static final int B = 2;

    private final ArpResponder responder = new ArpResponder(8);

    @BeforeEach
    void addTheStations()
    {
        responder.add(A, NET, MAC_A, new int[] {ADDRESS_A});
        responder.add(B, NET, MAC_B, new int[] {ADDRESS_B});
    }

    private static Slot request(final long destination, final long senderMac, final int sender, final int target)
    {
        return FrameBuilder.arp(senderMac, destination, ArpPacket.OPERATION_REQUEST, senderMac, sender, 0, target);
    }

    private boolean answer(final int domain, final int ingress, final Slot slot)
    {
        return responder.answer(domain, ingress, slot.buffer, Slot.FRAME_OFFSET, slot.length());
    }

    @Test
    void shouldTurnABroadcastRequestForAStationsAddressIntoItsReplyToTheAsker()
    {
        final Slot slot = request(MacAddress.BROADCAST, MAC_A, ADDRESS_A, ADDRESS_B);

        assertTrue(answer(NET, A, slot));

        final EthernetFrame frame = new EthernetFrame().wrap(slot.buffer, Slot.FRAME_OFFSET, slot.length());
        final ArpPacket arp = new ArpPacket().wrap(slot.buffer, frame.payloadOffset(), frame.payloadLength());
        assertEquals(MAC_A, frame.destination());
        assertEquals(MAC_B, frame.source());
        assertEquals(ArpPacket.OPERATION_REPLY, arp.operation());
        assertEquals(MAC_B, arp.senderHardware());
        assertEquals(ADDRESS_B, arp.senderProtocol());
        assertEquals(MAC_A, arp.targetHardware());
        assertEquals(ADDRESS_A, arp.targetProtocol());
        assertEquals(1, responder.answered());
    }

    @Test
    void shouldLeaveToTheSwitchWhatItDoesNotAnswerUnchanged()
    {
        final int unknown = 0x0A58_0009;
        for (final Slot slot : new Slot[] {
            request(MacAddress.BROADCAST, MAC_A, ADDRESS_A, unknown),
            request(MAC_B, MAC_A, ADDRESS_A, ADDRESS_B), // unicast: a cache revalidated must reach the station
            request(MacAddress.BROADCAST, MAC_A, 0, ADDRESS_B), // an address probe
            request(MacAddress.BROADCAST, MAC_B, ADDRESS_B, ADDRESS_B), // gratuitous
            FrameBuilder.arp(MAC_A, MacAddress.BROADCAST, ArpPacket.OPERATION_REPLY, MAC_A, ADDRESS_A, 0, ADDRESS_B),
            FrameBuilder.etherFrame(MAC_A, MacAddress.BROADCAST, EthernetFrame.ETHER_TYPE_IPV4, 60)})
        {
            final byte[] before = slot.bytes();
            assertFalse(answer(NET, A, slot));
            assertArrayEquals(before, slot.bytes());
        }
        assertFalse(answer(OTHER_NET, A, request(MacAddress.BROADCAST, MAC_A, ADDRESS_A, ADDRESS_B)), "another network's address");
        assertFalse(answer(NET, B, request(MacAddress.BROADCAST, MAC_B, ADDRESS_A, ADDRESS_B)), "a port asking for its own address");
        assertEquals(0, responder.answered());
    }

    @Test
    void shouldStopAnsweringForAPortThatLeftAndAnswerForTheOneThatTookItsAddress()
    {
        responder.remove(B);
        assertFalse(answer(NET, A, request(MacAddress.BROADCAST, MAC_A, ADDRESS_A, ADDRESS_B)));
        assertEquals(1, responder.size());

        responder.add(5, NET, 0x0242_0A58_0099L, new int[] {ADDRESS_B});
        final Slot slot = request(MacAddress.BROADCAST, MAC_A, ADDRESS_A, ADDRESS_B);
        assertTrue(answer(NET, A, slot));
        assertEquals(0x0242_0A58_0099L, slot.sourceMac());

        responder.add(B, NET, MAC_B, new int[] {ADDRESS_B}); // B comes back with the address, then port 5 takes it over
        responder.add(5, NET, 0x0242_0A58_0099L, new int[] {ADDRESS_B});
        responder.remove(B);
        assertTrue(answer(NET, A, request(MacAddress.BROADCAST, MAC_A, ADDRESS_A, ADDRESS_B)), "port 5's address is not B's to take away");
        assertEquals(2, responder.size());
    }
}
