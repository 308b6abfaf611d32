package io.lanyard.dataplane;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.l2.DropReason;
import io.lanyard.forwarding.l2.LearningSwitch;
import io.lanyard.tap.IpRoute2;
import io.lanyard.tap.NamespaceThread;
import io.lanyard.tap.UdpSocket;
import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Privileges;
import org.agrona.BufferUtil;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The transmit stage's VXLAN encapsulation, byte for byte: two sockets on a test namespace's
 * loopback stand for this host and its peer.
 */
class OverlayTransmitTest
{
    private static final int OVERLAY = 5;
    private static final int VNI = 0x12_3456;
    private static final int PEER = 0x7F00_0001;
    private static final int SELF = 0x7F00_0002;
    private static final long MAC_A = 0x0242_0A00_0902L;

    private final StageFixture fixture = new StageFixture(8);
    private final TransmitStage stage = new TransmitStage(fixture.ports, new OneToOneConcurrentArrayQueue<>(4), fixture.counters);
    private final FrameSlot slot = StageFixture.newSlot();
    private final UnsafeBuffer received = new UnsafeBuffer(BufferUtil.allocateDirectAligned(2048, 64));
    private Namespaces namespaces;
    private NamespaceThread namespaceThread;
    private UdpSocket peer;
    private UdpSocket self;

    @BeforeEach
    void sockets()
    {
        Privileges.requireNetAdmin("ip");
        namespaces = new Namespaces("ot");
        namespaceThread = new NamespaceThread();
        final String netns = namespaces.add("h");
        peer = namespaceThread.call(IpRoute2.netnsPath(netns), () -> UdpSocket.bind(PEER, 4789));
        self = namespaceThread.call(IpRoute2.netnsPath(netns), () -> UdpSocket.bind(SELF, 0));
        stage.overlaySocket(self, 4789);
        fixture.addPort(1, 0);
        fixture.addPort(6, 0);
        fixture.ports[OVERLAY] = new Port(OVERLAY, 0, "overlay", (address, length) -> -22,
            new PortCounters(fixture.countersManager, OVERLAY, "overlay"), VNI);
    }

    @AfterEach
    void tearDown()
    {
        if (self != null)
        {
            self.close();
        }
        if (peer != null)
        {
            peer.close();
        }
        if (namespaceThread != null)
        {
            namespaceThread.close();
        }
        if (namespaces != null)
        {
            namespaces.close();
        }
    }

    @Test
    void shouldEncapsulateInTheHeadroomAndLeaveTheSlotAsItWasForTheLocalPortsOfAFlood() throws InterruptedException
    {
        StageFixture.frame(slot, 1, MacAddress.BROADCAST, MAC_A);
        slot.buffer().putLong(FrameSlot.FRAME_OFFSET - 8, 0x0102_0304_0506_0708L);
        final byte[] before = slotBytes();
        slot.verdict = LearningSwitch.FLOOD;
        slot.floodPorts = new int[] {1, OVERLAY, 6};
        slot.vtep = 0;
        slot.vteps = new int[] {PEER, PEER};

        stage.onEvent(slot, 0, true);

        for (int i = 0; i < 2; i++)
        {
            final int n = receive();
            assertEquals(8 + StageFixture.FRAME_LENGTH, n);
            assertEquals(SELF, peer.lastSourceAddress());
            final byte[] header = new byte[8];
            received.getBytes(0, header);
            assertArrayEquals(new byte[] {0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0}, header, "I flag and VNI (RFC 7348)");
            final byte[] inner = new byte[StageFixture.FRAME_LENGTH];
            received.getBytes(8, inner);
            assertArrayEquals(Arrays.copyOfRange(before, FrameSlot.FRAME_OFFSET, FrameSlot.FRAME_OFFSET + StageFixture.FRAME_LENGTH), inner);
        }
        assertEquals(2, fixture.ports[OVERLAY].counters().txPackets());
        assertArrayEquals(before, slotBytes(), "the 8 bytes under the VXLAN header were put back");
        assertArrayEquals(Arrays.copyOfRange(before, FrameSlot.DATA_OFFSET, FrameSlot.DATA_OFFSET + slot.dataLength()),
            fixture.sinks[6].frames.get(0), "a local port after the overlay got the frame intact");
    }

    @Test
    void shouldSendUnicastToTheSlotsOneVtep() throws InterruptedException
    {
        StageFixture.frame(slot, 1, MAC_A + 1, MAC_A);
        slot.verdict = OVERLAY;
        slot.vtep = PEER;
        slot.vteps = new int[0];

        stage.onEvent(slot, 0, true);

        assertEquals(8 + StageFixture.FRAME_LENGTH, receive());
        assertEquals(1, fixture.ports[OVERLAY].counters().txPackets());
    }

    @Test
    void shouldDropAFrameThatLeavesSegmentationToTheReceiver()
    {
        StageFixture.frame(slot, 1, MAC_A + 1, MAC_A);
        slot.buffer().putByte(FrameSlot.DATA_OFFSET + 1, (byte)1);
        slot.verdict = OVERLAY;
        slot.vtep = PEER;

        stage.onEvent(slot, 0, true);

        assertEquals(1, fixture.ports[OVERLAY].counters().drops(DropReason.VXLAN_OFFLOAD));
        assertEquals(0, fixture.ports[OVERLAY].counters().txPackets());
        assertEquals(0, peer.receive(received.addressOffset(), received.capacity()), "nothing was sent");
    }

    private int receive() throws InterruptedException
    {
        for (int i = 0; i < 500; i++)
        {
            final int n = peer.receive(received.addressOffset(), received.capacity());
            if (n != 0)
            {
                return n;
            }
            Thread.sleep(2);
        }
        return 0;
    }

    private byte[] slotBytes()
    {
        final byte[] bytes = new byte[FrameSlot.FRAME_OFFSET + StageFixture.FRAME_LENGTH];
        slot.buffer().getBytes(0, bytes);
        return bytes;
    }
}
