package io.lanyard.forwarding.testkit;

import io.lanyard.forwarding.wire.EthernetFrame;
import io.lanyard.forwarding.wire.InternetChecksum;
import io.lanyard.forwarding.wire.Ipv4Header;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.HexFormat;

/**
 * Real packets, byte for byte, shared by the view tests. Each was computed independently of the
 * code under test (checksums by hand with a reference implementation of RFC 1071).
 */
public final class GoldenPackets
{
    /** 02:42:ac:11:00:02 (172.17.0.2) asks who has 172.17.0.3: Ethernet broadcast + 28-byte ARP. */
    public static final String ARP_REQUEST =
        "ffffffffffff" + "0242ac110002" + "0806" +
        "0001" + "0800" + "06" + "04" + "0001" +
        "0242ac110002" + "ac110002" +
        "000000000000" + "ac110003";

    /** 172.17.0.3 answers that it is at 02:42:ac:11:00:03. */
    public static final String ARP_REPLY =
        "0242ac110002" + "0242ac110003" + "0806" +
        "0001" + "0800" + "06" + "04" + "0002" +
        "0242ac110003" + "ac110003" +
        "0242ac110002" + "ac110002";

    /**
     * {@code ping -c 1 172.17.0.3} from 172.17.0.2: Ethernet, IPv4 (id 0xb3d1, DF, TTL 64,
     * checksum 0x2eb0) and an ICMP echo request (id 0x0f1e, seq 1, checksum 0x0c88) with the
     * 56-byte payload ping sends: a 16-byte timeval then 0x10..0x37.
     */
    public static final String ICMP_ECHO_REQUEST =
        "0242ac110003" + "0242ac110002" + "0800" +
        "4500" + "0054" + "b3d1" + "4000" + "4001" + "2eb0" + "ac110002" + "ac110003" +
        "0800" + "0c88" + "0f1e" + "0001" +
        "5f5e0f6600000000" + "a3c10b0000000000" +
        "101112131415161718191a1b1c1d1e1f" + "202122232425262728292a2b2c2d2e2f" + "3031323334353637";

    /**
     * A TCP SYN from 172.17.0.2:40000 to 172.17.0.3:80: IPv4 (id 0x4d2e, DF, TTL 64, checksum
     * 0x9576) and a 24-byte TCP header (seq 0x1c2d3e4f, data offset 6, SYN, window 64240,
     * checksum 0x4e01 over the pseudo-header) whose one option is MSS 1460.
     */
    public static final String TCP_SYN =
        "0242ac110003" + "0242ac110002" + "0800" +
        "4500" + "002c" + "4d2e" + "4000" + "4006" + "9576" + "ac110002" + "ac110003" +
        "9c40" + "0050" + "1c2d3e4f" + "00000000" + "6002" + "faf0" + "4e01" + "0000" + "020405b4";

    /**
     * A DNS query for example.com A from 172.17.0.2:53535 to 172.17.0.3:53: IPv4 (id 0x4d2f,
     * TTL 64, checksum 0xd55d) and UDP (length 37, checksum 0x5aec over the pseudo-header).
     */
    public static final String UDP_DNS_QUERY =
        "0242ac110003" + "0242ac110002" + "0800" +
        "4500" + "0039" + "4d2f" + "0000" + "4011" + "d55d" + "ac110002" + "ac110003" +
        "d11f" + "0035" + "0025" + "5aec" +
        "abcd01000001000000000000" + "076578616d706c6503636f6d00" + "00010001";

    /** The bytes after the IPv4 header of {@link #TCP_SYN} and {@link #UDP_DNS_QUERY}. */
    public static final int TCP_SYN_SEGMENT_LENGTH = 24;
    public static final int UDP_DNS_QUERY_DATAGRAM_LENGTH = 37;
    public static final int TRANSPORT_OFFSET = EthernetFrame.HEADER_LENGTH + Ipv4Header.MIN_LENGTH;

    public static final int ICMP_ECHO_REQUEST_LENGTH = 98;
    public static final int IPV4_OFFSET = EthernetFrame.HEADER_LENGTH;
    public static final int ICMP_OFFSET = IPV4_OFFSET + Ipv4Header.MIN_LENGTH;

    /** 172.17.0.2 and 172.17.0.3 as ints. */
    public static final int HOST_2 = 0xAC11_0002;
    public static final int HOST_3 = 0xAC11_0003;
    public static final long MAC_2 = 0x0242_AC11_0002L;
    public static final long MAC_3 = 0x0242_AC11_0003L;

    private GoldenPackets()
    {
    }

    public static byte[] bytes(final String hex)
    {
        return HexFormat.of().parseHex(hex);
    }

    public static UnsafeBuffer buffer(final String hex)
    {
        return new UnsafeBuffer(bytes(hex));
    }

    /** The golden bytes placed {@code headroom} bytes into a larger buffer, as in a ring slot. */
    public static UnsafeBuffer bufferAt(final int headroom, final String hex)
    {
        final byte[] golden = bytes(hex);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[headroom + golden.length + 16]);
        buffer.putBytes(headroom, golden);
        return buffer;
    }

    public static byte[] copy(final UnsafeBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }

    /**
     * The ones' complement sum of the IPv4 pseudo-header (HOST_2 to HOST_3) and a TCP segment or UDP
     * datagram: 0xFFFF when its checksum is right.
     */
    public static int transportSum(final UnsafeBuffer buffer, final int offset, final int length)
    {
        final int pseudoHeader = (HOST_2 >>> 16) + (HOST_2 & 0xFFFF) + (HOST_3 >>> 16) + (HOST_3 & 0xFFFF) +
            buffer.getByte(EthernetFrame.HEADER_LENGTH + Ipv4Header.PROTOCOL_OFFSET) + length;
        return InternetChecksum.sum(buffer, offset, length, pseudoHeader);
    }
}
