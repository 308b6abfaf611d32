package io.lanyard.forwarding.l2;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import io.lanyard.forwarding.wire.EthernetFrame;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A network's inter-container policy, as the switch applies it per frame. */
class LearningSwitchPolicyTest
{
    private static final long T0 = 1_000_000_000_000L;
    private static final int NET = 0;
    private static final long MAC_A = 0x0242_AC12_0002L;
    private static final long MAC_B = 0x0242_AC12_0003L;
    private static final long MAC_HOST = 0x0242_AC12_00FEL;
    private static final int OFFSET = 74;
    /** Ports 1 and 2 are containers, 3 is the network's host-side port. */
    private static final int A = 1;
    private static final int B = 2;
    private static final int HOST = 3;

    private final LearningSwitch learningSwitch = new LearningSwitch(8, 2, new MacTable(64, 300_000_000_000L, T0));
    private final Verdict verdict = new Verdict();
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[OFFSET + 64]);

    @BeforeEach
    void attach()
    {
        learningSwitch.attach(A, NET, false);
        learningSwitch.attach(B, NET, false);
        learningSwitch.attach(HOST, NET, true);
        learningSwitch.configureDomain(NET, false);
        // everyone has spoken once, so the switch knows where they are
        send(A, MAC_A, MacAddress.BROADCAST, EthernetFrame.ETHER_TYPE_ARP);
        send(B, MAC_B, MacAddress.BROADCAST, EthernetFrame.ETHER_TYPE_ARP);
        send(HOST, MAC_HOST, MacAddress.BROADCAST, EthernetFrame.ETHER_TYPE_ARP);
    }

    @Test
    void shouldDropIpBetweenTwoContainersWhenIccIsOff()
    {
        assertEquals(Verdict.DROP, send(A, MAC_A, MAC_B, EthernetFrame.ETHER_TYPE_IPV4));
        assertEquals(DropReason.ICC.ordinal(), verdict.dropReason());
    }

    @Test
    void shouldStillLetContainersResolveEachOtherWhenIccIsOff()
    {
        assertEquals(B, send(A, MAC_A, MAC_B, EthernetFrame.ETHER_TYPE_ARP));
    }

    @Test
    void shouldLetContainersAndTheHostSidePortExchangeIpWhenIccIsOff()
    {
        assertEquals(HOST, send(A, MAC_A, MAC_HOST, EthernetFrame.ETHER_TYPE_IPV4));
        assertEquals(A, send(HOST, MAC_HOST, MAC_A, EthernetFrame.ETHER_TYPE_IPV4));
    }

    @Test
    void shouldDropIpv6AndOtherEtherTypesBetweenTwoContainersWhenIccIsOff()
    {
        assertEquals(Verdict.DROP, send(A, MAC_A, MAC_B, EthernetFrame.ETHER_TYPE_IPV6), "link-local IPv6 to a neighbour");
        assertEquals(DropReason.ICC.ordinal(), verdict.dropReason());
        assertEquals(Verdict.DROP, send(A, MAC_A, MAC_B, 0x88B5), "an experimental EtherType");
        assertEquals(Verdict.FLOOD, send(A, MAC_A, 0x3333_0000_0001L, EthernetFrame.ETHER_TYPE_IPV6));
        assertArrayEquals(new int[] {HOST}, verdict.floodPorts(), "ff02::1 (neighbour discovery, MLD) reaches the host side only");
        assertEquals(HOST, send(A, MAC_A, MAC_HOST, EthernetFrame.ETHER_TYPE_IPV6), "the host side is not held back");
    }

    @Test
    void shouldFloodContainerIpOnlyToTheHostSideWhenIccIsOff()
    {
        assertEquals(Verdict.FLOOD, send(A, MAC_A, MacAddress.BROADCAST, EthernetFrame.ETHER_TYPE_IPV4));
        assertArrayEquals(new int[] {HOST}, verdict.floodPorts());

        assertEquals(Verdict.FLOOD, send(A, MAC_A, MacAddress.BROADCAST, EthernetFrame.ETHER_TYPE_ARP));
        assertArrayEquals(new int[] {A, B, HOST}, verdict.floodPorts(), "ARP still reaches everyone");
    }

    @Test
    void shouldForwardIpBetweenContainersOnceIccIsOn()
    {
        learningSwitch.configureDomain(NET, true);

        assertEquals(B, send(A, MAC_A, MAC_B, EthernetFrame.ETHER_TYPE_IPV4));
    }

    @Test
    void shouldDetachAHostSidePortFromTheHostFloodSet()
    {
        learningSwitch.detach(HOST);

        assertEquals(Verdict.FLOOD, send(A, MAC_A, MacAddress.BROADCAST, EthernetFrame.ETHER_TYPE_IPV4));
        assertArrayEquals(LearningSwitch.NO_PORTS, verdict.floodPorts());
    }

    private int send(final int ingress, final long source, final long destination, final int etherType)
    {
        buffer.setMemory(0, buffer.capacity(), (byte)0);
        new EthernetFrame().wrap(buffer, OFFSET, 60).destination(destination).source(source).etherType(etherType);
        return decide(ingress, buffer, OFFSET, 60, T0);
    }

    /** The switch's verdict on the frame at {@code offset}: its egress, with the rest in {@link #verdict}. */
    private int decide(final int ingress, final UnsafeBuffer frameBuffer, final int offset, final int length, final long nowNanos)
    {
        learningSwitch.forward(ingress, frameBuffer, offset, length, nowNanos, verdict);
        return verdict.egress();
    }
}
