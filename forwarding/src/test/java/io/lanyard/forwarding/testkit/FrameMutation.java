package io.lanyard.forwarding.testkit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One change to an Ethernet frame's bytes, as a fuzz test mangles a golden frame: a bit or
 * byte anywhere, the frame cut or extended, or one header field set to a value that matters (an
 * EtherType, a VLAN tag pushed in front, the IPv4 header length, total length, protocol,
 * fragment field or TTL, the UDP length or TCP data offset, an address from the test's own),
 * and the checksums put right again so that a changed frame gets past the checks that guard
 * the code behind them. {@code at} and {@code value} are drawn at random and read modulo what
 * they choose from, so every mutation applies to every frame.
 */
public record FrameMutation(Kind kind, int at, int value)
{
    /** What the mutation changes. */
    public enum Kind
    {
        FLIP_BIT, SET_BYTE, TRUNCATE, EXTEND, ETHER_TYPE, PUSH_VLAN_TAG, IP_HEADER_LENGTH, IP_TOTAL_LENGTH, IP_PROTOCOL,
        IP_FRAGMENT, IP_TTL, L4_LENGTH, MAC_ADDRESS, IP_ADDRESS, FIX_CHECKSUMS
    }

    private static final Kind[] KINDS = Kind.values();
    private static final int ETHERNET_LENGTH = 14;
    private static final int TYPE_IPV4 = 0x0800;
    private static final int[] ETHER_TYPES = {TYPE_IPV4, 0x0806, 0x86DD, 0x8100, 0x88A8, 0x88B5, 0x0000, 0x05DC, 0xFFFF};
    private static final int[] PROTOCOLS = {FrameBuilder.ICMP, FrameBuilder.TCP, FrameBuilder.UDP, 0, 2, 41, 47, 50, 58, 132, 255};
    private static final int[] FRAGMENT_FIELDS = {0x0000, 0x4000, 0x2000, 0x2001, 0x0001, 0x1FFF, 0x3FFF, 0x8000};
    private static final int MAX_EXTENSION = 1600;

    /** Any one mutation. */
    public static FrameMutation any(final SplittableRandom random)
    {
        return any(random, KINDS);
    }

    /** A mutation of one of {@code kinds}. */
    public static FrameMutation any(final SplittableRandom random, final Kind[] kinds)
    {
        return new FrameMutation(Draw.one(random, kinds), random.nextInt() >>> 1, random.nextInt());
    }

    /** Up to {@code most} mutations, to be applied in turn. */
    public static List<FrameMutation> upTo(final SplittableRandom random, final int most)
    {
        return upTo(random, most, KINDS);
    }

    /** Up to {@code most} mutations of {@code kinds}, to be applied in turn. */
    public static List<FrameMutation> upTo(final SplittableRandom random, final int most, final Kind[] kinds)
    {
        final List<FrameMutation> mutations = new ArrayList<>();
        for (int i = random.nextInt(most + 1); i > 0; i--)
        {
            mutations.add(any(random, kinds));
        }
        return mutations;
    }

    /** Applies {@code mutations} in turn to a copy of {@code frame}, with addresses from the pools. */
    public static byte[] applyAll(final List<FrameMutation> mutations, final byte[] frame, final long[] macs, final int[] addresses)
    {
        byte[] mutated = frame.clone();
        for (final FrameMutation mutation : mutations)
        {
            mutated = mutation.apply(mutated, macs, addresses);
        }
        return mutated;
    }

    /**
     * The mutated frame: {@code frame} changed in place, or a new array when the length changes.
     *
     * @param macs      MAC addresses a {@link Kind#MAC_ADDRESS} change picks from (any value when empty).
     * @param addresses IPv4 addresses a {@link Kind#IP_ADDRESS} change picks from (any value when empty).
     */
    public byte[] apply(final byte[] frame, final long[] macs, final int[] addresses)
    {
        final int length = frame.length;
        final int ip = ipOffset(frame);
        switch (kind)
        {
            case FLIP_BIT ->
            {
                if (length > 0)
                {
                    frame[at % length] ^= (byte)(1 << (value & 7));
                }
            }
            case SET_BYTE ->
            {
                if (length > 0)
                {
                    frame[at % length] = (byte)value;
                }
            }
            case TRUNCATE ->
            {
                return Arrays.copyOf(frame, at % (length + 1));
            }
            case EXTEND ->
            {
                final byte[] longer = Arrays.copyOf(frame, length + 1 + Math.floorMod(value, MAX_EXTENSION));
                for (int i = length; i < longer.length; i++)
                {
                    longer[i] = (byte)(at * 31 + i * 7);
                }
                return longer;
            }
            case ETHER_TYPE -> put16(frame, ip - 2, pick(ETHER_TYPES, value));
            case PUSH_VLAN_TAG ->
            {
                if (length >= ETHERNET_LENGTH)
                {
                    final byte[] tagged = new byte[length + 4];
                    System.arraycopy(frame, 0, tagged, 0, 12);
                    put16(tagged, 12, (at & 1) == 0 ? 0x8100 : 0x88A8);
                    put16(tagged, 14, value);
                    System.arraycopy(frame, 12, tagged, 16, length - 12);
                    return tagged;
                }
            }
            case IP_HEADER_LENGTH -> putByte(frame, ip, (at & 1) == 0 ? 0x40 | (value & 0xF) : value);
            case IP_TOTAL_LENGTH -> put16(frame, ip + 2, pick(new int[] {0, 19, 20, length - ip, length - ip - 1, length - ip + 1, 0xFFFF,
                value & 0xFFFF}, at));
            case IP_PROTOCOL -> putByte(frame, ip + 9, pick(PROTOCOLS, value));
            case IP_FRAGMENT -> put16(frame, ip + 6, (at & 1) == 0 ? pick(FRAGMENT_FIELDS, value) : value);
            case IP_TTL -> putByte(frame, ip + 8, pick(new int[] {0, 1, 2, 255, value & 0xFF}, at));
            case L4_LENGTH -> l4Length(frame, ip);
            case MAC_ADDRESS -> putMac(frame, (at & 1) == 0 ? 0 : 6, macs.length == 0 ? value : macs[Math.floorMod(value, macs.length)]);
            case IP_ADDRESS -> put32(frame, ip + ((at & 1) == 0 ? 12 : 16),
                addresses.length == 0 ? value : addresses[Math.floorMod(value, addresses.length)]);
            case FIX_CHECKSUMS -> fixChecksums(frame, ip);
        }
        return frame;
    }

    /** Where the IPv4 header would be: after the Ethernet header and any VLAN tags. */
    private static int ipOffset(final byte[] frame)
    {
        int at = 12;
        while (at + 4 <= frame.length && (get16(frame, at) == 0x8100 || get16(frame, at) == 0x88A8))
        {
            at += 4;
        }
        return at + 2;
    }

    private void l4Length(final byte[] frame, final int ip)
    {
        if (ip + 10 > frame.length)
        {
            return;
        }
        final int l4 = ip + (frame[ip] & 0xF) * 4;
        if ((frame[ip + 9] & 0xFF) == FrameBuilder.TCP)
        {
            putByte(frame, l4 + 12, (value & 0xF) << 4);
        }
        else
        {
            put16(frame, l4 + 4, pick(new int[] {0, 7, 8, frame.length - l4, frame.length - l4 + 1, 0xFFFF, value & 0xFFFF}, at));
        }
    }

    /** Recomputes the IPv4 header checksum and the TCP, UDP or ICMP checksum, where the headers say they fit. */
    private static void fixChecksums(final byte[] frame, final int ip)
    {
        if (ip + 20 > frame.length || get16(frame, ip - 2) != TYPE_IPV4)
        {
            return;
        }
        final int headerLength = (frame[ip] & 0xF) * 4;
        final int totalLength = get16(frame, ip + 2);
        if (headerLength < 20 || ip + headerLength > frame.length)
        {
            return;
        }
        put16(frame, ip + 10, 0);
        put16(frame, ip + 10, IndependentChecksum.checksum(frame, ip, headerLength, 0));
        final int l4 = ip + headerLength;
        final int l4Length = Math.min(totalLength, frame.length - ip) - headerLength;
        final int protocol = frame[ip + 9] & 0xFF;
        final int field = protocol == FrameBuilder.TCP ? 16 : protocol == FrameBuilder.UDP ? 6 : protocol == FrameBuilder.ICMP ? 2 : -1;
        if (field < 0 || l4Length < field + 2)
        {
            return;
        }
        put16(frame, l4 + field, 0);
        final int pseudo = protocol == FrameBuilder.ICMP ? 0 :
            IndependentChecksum.pseudoHeaderSum(get32(frame, ip + 12), get32(frame, ip + 16), protocol, l4Length);
        put16(frame, l4 + field, IndependentChecksum.checksum(frame, l4, l4Length, pseudo));
    }

    private static int pick(final int[] values, final int choice)
    {
        return values[Math.floorMod(choice, values.length)];
    }

    private static int get16(final byte[] bytes, final int at)
    {
        return ((bytes[at] & 0xFF) << 8) | (bytes[at + 1] & 0xFF);
    }

    private static int get32(final byte[] bytes, final int at)
    {
        return (get16(bytes, at) << 16) | get16(bytes, at + 2);
    }

    private static void putByte(final byte[] bytes, final int at, final int value)
    {
        if (at >= 0 && at < bytes.length)
        {
            bytes[at] = (byte)value;
        }
    }

    private static void put16(final byte[] bytes, final int at, final int value)
    {
        if (at >= 0 && at + 2 <= bytes.length)
        {
            FrameBuilder.put16(bytes, at, value);
        }
    }

    private static void put32(final byte[] bytes, final int at, final int value)
    {
        if (at >= 0 && at + 4 <= bytes.length)
        {
            FrameBuilder.put32(bytes, at, value);
        }
    }

    private static void putMac(final byte[] bytes, final int at, final long mac)
    {
        if (at + 6 <= bytes.length)
        {
            FrameBuilder.put48(bytes, at, mac);
        }
    }
}
