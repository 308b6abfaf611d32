package io.lanyard.dataplane;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.wire.ArpPacket;
import io.lanyard.forwarding.wire.EthernetFrame;
import io.lanyard.forwarding.wire.InternetChecksum;
import org.agrona.concurrent.UnsafeBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Minimum-size frames written into ring slots the way a TAP read leaves them: a zero
 * virtio_net_hdr, then a 60-byte Ethernet frame (the 64-byte minimum on the wire less its FCS,
 * which a TAP never carries) holding an IPv4/UDP datagram or an ARP request between
 * Docker-style stations on the default bridge ({@code 172.17.0.x}, MAC {@code 02:42} + the
 * address; the gateway is {@code 172.17.0.1}).
 */
final class SyntheticFrames
{
    /** The minimum Ethernet frame without its 4-byte FCS. */
    static final int FRAME_LENGTH = 60;
    static final int DATA_LENGTH = FrameSlot.VNET_HEADER_LENGTH + FRAME_LENGTH;
    private static final int IPV4_LENGTH = FRAME_LENGTH - EthernetFrame.HEADER_LENGTH;
    private static final int UDP_LENGTH = IPV4_LENGTH - 20;
    static final int GATEWAY_ADDRESS = 0xAC11_0001; // 172.17.0.1
    private static final int FIRST_ADDRESS = 0xAC11_0002; // 172.17.0.2

    private SyntheticFrames()
    {
    }

    /** The IPv4 address of station {@code host} (0, 1, ...): 172.17.0.2 onwards. */
    static int address(final int host)
    {
        return FIRST_ADDRESS + host;
    }

    static long mac(final int host)
    {
        return MacAddress.fromIpv4(address(host));
    }

    /** Fills {@code slot} with a UDP datagram from station {@code source} to {@code destination}, read from {@code ingressPort}. */
    static void udp(final FrameSlot slot, final int ingressPort, final int source, final int destination)
    {
        write(slot, ingressPort, mac(destination), mac(source), address(source), address(destination));
    }

    /** Fills {@code slot} with an ARP request (a broadcast) from station {@code source} asking for station {@code target}. */
    static void arpRequest(final FrameSlot slot, final int ingressPort, final int source, final int target)
    {
        final UnsafeBuffer buffer = slot.buffer();
        buffer.setMemory(FrameSlot.DATA_OFFSET, DATA_LENGTH, (byte)0);
        final int ethernet = FrameSlot.FRAME_OFFSET;
        EthernetFrame.writeMac(buffer, ethernet + EthernetFrame.DESTINATION_OFFSET, MacAddress.BROADCAST);
        EthernetFrame.writeMac(buffer, ethernet + EthernetFrame.SOURCE_OFFSET, mac(source));
        buffer.putShort(ethernet + EthernetFrame.ETHER_TYPE_OFFSET, (short)EthernetFrame.ETHER_TYPE_ARP, BIG_ENDIAN);
        new ArpPacket().wrap(buffer, ethernet + EthernetFrame.HEADER_LENGTH, ArpPacket.LENGTH)
            .ethernetIpv4(ArpPacket.OPERATION_REQUEST)
            .senderHardware(mac(source))
            .senderProtocol(address(source))
            .targetHardware(0)
            .targetProtocol(address(target));
        slot.frame(ingressPort, DATA_LENGTH);
    }

    private static void write(final FrameSlot slot, final int ingressPort, final long destinationMac, final long sourceMac,
        final int sourceAddress, final int destinationAddress)
    {
        final UnsafeBuffer buffer = slot.buffer();
        buffer.setMemory(FrameSlot.DATA_OFFSET, DATA_LENGTH, (byte)0);

        final int ethernet = FrameSlot.FRAME_OFFSET;
        EthernetFrame.writeMac(buffer, ethernet + EthernetFrame.DESTINATION_OFFSET, destinationMac);
        EthernetFrame.writeMac(buffer, ethernet + EthernetFrame.SOURCE_OFFSET, sourceMac);
        buffer.putShort(ethernet + EthernetFrame.ETHER_TYPE_OFFSET, (short)EthernetFrame.ETHER_TYPE_IPV4, BIG_ENDIAN);

        final int ip = ethernet + EthernetFrame.HEADER_LENGTH;
        buffer.putByte(ip, (byte)0x45);
        buffer.putShort(ip + 2, (short)IPV4_LENGTH, BIG_ENDIAN);
        buffer.putByte(ip + 8, (byte)64);
        buffer.putByte(ip + 9, (byte)17);
        buffer.putInt(ip + 12, sourceAddress, BIG_ENDIAN);
        buffer.putInt(ip + 16, destinationAddress, BIG_ENDIAN);
        buffer.putShort(ip + 10, (short)InternetChecksum.compute(buffer, ip, 20), BIG_ENDIAN);

        final int udp = ip + 20;
        buffer.putShort(udp, (short)40000, BIG_ENDIAN);
        buffer.putShort(udp + 2, (short)5201, BIG_ENDIAN);
        buffer.putShort(udp + 4, (short)UDP_LENGTH, BIG_ENDIAN);

        slot.frame(ingressPort, DATA_LENGTH);
    }
}
