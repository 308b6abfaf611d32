package io.lanyard.forwarding.testkit;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A frame in a ring slot, as the stages see it: a 10-byte virtio_net_hdr, then the frame at
 * {@link #FRAME_OFFSET}. The buffer is exactly as long as the frame, so a read past its end
 * fails the test. Fields are read back with plain byte arithmetic, independent of the wire views.
 */
public final class Slot
{
    public static final int FRAME_OFFSET = 10;
    public static final int IP_OFFSET = FRAME_OFFSET + 14;

    public final UnsafeBuffer buffer;
    private final byte[] original;
    private int length;

    public Slot(final byte[] bytes)
    {
        original = bytes.clone();
        buffer = new UnsafeBuffer(bytes);
        length = bytes.length - FRAME_OFFSET;
    }

    /** A copy of {@code length} bytes of {@code buffer} at {@code offset} laid out as a slot: virtio header, then frame. */
    public static Slot copyOf(final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return new Slot(bytes);
    }

    /** The frame length handed to the switch. */
    public int length()
    {
        return length;
    }

    /** Hands a shorter frame over (the bytes past it stay in the buffer). */
    public Slot truncate(final int frameLength)
    {
        length = frameLength;
        return this;
    }

    /** Puts the built bytes back, as the next frame read into the slot; allocation-free. */
    public void restore()
    {
        buffer.putBytes(0, original);
        length = original.length - FRAME_OFFSET;
    }

    public byte[] bytes()
    {
        final byte[] bytes = new byte[buffer.capacity()];
        buffer.getBytes(0, bytes);
        return bytes;
    }

    /** The frame, {@code length} bytes from {@link #FRAME_OFFSET}. */
    public byte[] frame()
    {
        return Arrays.copyOfRange(bytes(), FRAME_OFFSET, FRAME_OFFSET + length);
    }

    /** The frame as built, {@code length} bytes of it. */
    public byte[] originalFrame()
    {
        return Arrays.copyOfRange(original, FRAME_OFFSET, FRAME_OFFSET + length);
    }

    public String frameHex()
    {
        return HexFormat.of().formatHex(frame());
    }

    /** The IPv4 packet, from the end of the Ethernet header to the end of the frame. */
    public byte[] ipPacket()
    {
        return Arrays.copyOfRange(bytes(), IP_OFFSET, FRAME_OFFSET + length);
    }

    public byte[] virtioHeader()
    {
        return Arrays.copyOf(bytes(), FRAME_OFFSET);
    }

    public byte[] originalVirtioHeader()
    {
        return Arrays.copyOf(original, FRAME_OFFSET);
    }

    /** Overwrites one byte of the frame as built (to make it malformed). */
    public Slot poke(final int frameIndex, final int value)
    {
        original[FRAME_OFFSET + frameIndex] = (byte)value;
        buffer.putByte(FRAME_OFFSET + frameIndex, (byte)value);
        return this;
    }

    // ------------------------------------------------------------------ Ethernet

    public long destinationMac()
    {
        return read48(FRAME_OFFSET);
    }

    public long sourceMac()
    {
        return read48(FRAME_OFFSET + 6);
    }

    public int etherType()
    {
        return read16(FRAME_OFFSET + 12);
    }

    // ------------------------------------------------------------------ IPv4

    public int ttl()
    {
        return read8(IP_OFFSET + 8);
    }

    public int protocol()
    {
        return read8(IP_OFFSET + 9);
    }

    public int totalLength()
    {
        return read16(IP_OFFSET + 2);
    }

    public int ipSource()
    {
        return read32(IP_OFFSET + 12);
    }

    public int ipDestination()
    {
        return read32(IP_OFFSET + 16);
    }

    public int ipHeaderLength()
    {
        return (read8(IP_OFFSET) & 0xF) * 4;
    }

    public boolean ipHeaderChecksumIsValid()
    {
        return IndependentChecksum.verifies(bytes(), IP_OFFSET, ipHeaderLength(), 0);
    }

    // ------------------------------------------------------------------ transport

    public int l4Offset()
    {
        return IP_OFFSET + ipHeaderLength();
    }

    public int l4Length()
    {
        return totalLength() - ipHeaderLength();
    }

    public int sourcePort()
    {
        return read16(l4Offset());
    }

    public int destinationPort()
    {
        return read16(l4Offset() + 2);
    }

    public int tcpFlags()
    {
        return read8(l4Offset() + 13);
    }

    public int tcpChecksum()
    {
        return read16(l4Offset() + 16);
    }

    public int udpChecksum()
    {
        return read16(l4Offset() + 6);
    }

    /** The TCP or UDP checksum verifies over the pseudo-header of the packet's current addresses. */
    public boolean transportChecksumIsValid()
    {
        final int pseudo = IndependentChecksum.pseudoHeaderSum(ipSource(), ipDestination(), protocol(), l4Length());
        return IndependentChecksum.verifies(bytes(), l4Offset(), l4Length(), pseudo);
    }

    /** The partial-checksum field holds what Linux puts there: the folded pseudo-header sum, uncomplemented. */
    public int expectedPartialChecksum()
    {
        return IndependentChecksum.pseudoHeaderSum(ipSource(), ipDestination(), protocol(), l4Length());
    }

    /**
     * Finishes a partial checksum as the device would (sums from the L4 header to the end, the
     * field's seed included, and stores the complement), then verifies the result over the
     * pseudo-header of the packet's addresses. Works on a copy; the slot is unchanged.
     */
    public boolean finishedPartialChecksumIsValid()
    {
        final byte[] bytes = bytes();
        final int l4 = l4Offset();
        final int field = l4 + (protocol() == FrameBuilder.TCP ? 16 : protocol() == FrameBuilder.UDP ? 6 : 2);
        final int finished = ~IndependentChecksum.sum(bytes, l4, l4Length()) & 0xFFFF;
        FrameBuilder.put16(bytes, field, finished);
        final int pseudo = protocol() == FrameBuilder.ICMP ? 0 :
            IndependentChecksum.pseudoHeaderSum(ipSource(), ipDestination(), protocol(), l4Length());
        return IndependentChecksum.verifies(bytes, l4, l4Length(), pseudo);
    }

    public int icmpType()
    {
        return read8(l4Offset());
    }

    public int icmpCode()
    {
        return read8(l4Offset() + 1);
    }

    public int icmpIdentifier()
    {
        return read16(l4Offset() + 4);
    }

    public int icmpSequence()
    {
        return read16(l4Offset() + 6);
    }

    public boolean icmpChecksumIsValid()
    {
        return IndependentChecksum.verifies(bytes(), l4Offset(), l4Length(), 0);
    }

    // ------------------------------------------------------------------ the packet an ICMP error quotes

    public int quotedOffset()
    {
        return l4Offset() + 8;
    }

    public int quotedHeaderLength()
    {
        return (read8(quotedOffset()) & 0xF) * 4;
    }

    public int quotedSource()
    {
        return read32(quotedOffset() + 12);
    }

    public int quotedDestination()
    {
        return read32(quotedOffset() + 16);
    }

    public int quotedTtl()
    {
        return read8(quotedOffset() + 8);
    }

    public int quotedSourcePort()
    {
        return read16(quotedOffset() + quotedHeaderLength());
    }

    public int quotedDestinationPort()
    {
        return read16(quotedOffset() + quotedHeaderLength() + 2);
    }

    /** The identifier of a quoted ICMP echo. */
    public int quotedIcmpIdentifier()
    {
        return read16(quotedOffset() + quotedHeaderLength() + 4);
    }

    public boolean quotedHeaderChecksumIsValid()
    {
        return IndependentChecksum.verifies(bytes(), quotedOffset(), quotedHeaderLength(), 0);
    }

    // ------------------------------------------------------------------ ARP

    public int arpOperation()
    {
        return read16(IP_OFFSET + 6);
    }

    public long arpSenderMac()
    {
        return read48(IP_OFFSET + 8);
    }

    public int arpSenderAddress()
    {
        return read32(IP_OFFSET + 14);
    }

    public long arpTargetMac()
    {
        return read48(IP_OFFSET + 18);
    }

    public int arpTargetAddress()
    {
        return read32(IP_OFFSET + 24);
    }

    // ------------------------------------------------------------------ bytes

    public int read8(final int index)
    {
        return buffer.getByte(index) & 0xFF;
    }

    public int read16(final int index)
    {
        return (read8(index) << 8) | read8(index + 1);
    }

    public int read32(final int index)
    {
        return (read16(index) << 16) | read16(index + 2);
    }

    public long read48(final int index)
    {
        return ((long)read16(index) << 32) | (read32(index + 2) & 0xFFFF_FFFFL);
    }
}
