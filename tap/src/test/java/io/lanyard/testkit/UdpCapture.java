package io.lanyard.testkit;

import io.lanyard.tap.LinuxCalls;
import io.lanyard.tap.LinuxException;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Every IPv4 UDP packet the calling thread's namespace receives, header included, as the wire
 * carried it ({@code AF_INET, SOCK_RAW, IPPROTO_UDP}): for asserting on outer headers. Open it
 * on a {@code NamespaceThread}; it then works from any thread.
 */
public final class UdpCapture implements AutoCloseable
{
    public static final int IPV4_HEADER = 20;

    private final int fd;
    private final ByteBuffer memory = BufferUtil.allocateDirectAligned(128 * 1024, 64);
    private final UnsafeBuffer buffer = new UnsafeBuffer(memory);

    private UdpCapture(final int fd)
    {
        this.fd = fd;
    }

    public static UdpCapture open()
    {
        final int fd = LinuxCalls.LIBC.socket(2, 3 | 0x800 | 0x80000, 17);
        if (fd < 0)
        {
            throw LinuxException.lastError("udp capture: socket");
        }
        return new UdpCapture(fd);
    }

    /** The next captured packet whose UDP destination port is {@code port}, or null after {@code waitMillis}. */
    public Packet next(final int port, final long waitMillis) throws InterruptedException
    {
        final long deadline = System.currentTimeMillis() + waitMillis;
        while (System.currentTimeMillis() < deadline)
        {
            final long n = LinuxCalls.LIBC.recv(fd, buffer.addressOffset(), buffer.capacity(), 0);
            if (n <= 0)
            {
                Thread.sleep(2);
                continue;
            }
            final int headerLength = (buffer.getByte(0) & 0xF) * 4;
            if ((buffer.getShort(headerLength + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF) == port)
            {
                final byte[] bytes = new byte[(int)n];
                buffer.getBytes(0, bytes);
                return new Packet(new UnsafeBuffer(bytes));
            }
        }
        return null;
    }

    @Override
    public void close()
    {
        LinuxCalls.LIBC.close(fd);
    }

    /** One IPv4 packet without options, read big-endian. */
    public record Packet(UnsafeBuffer bytes)
    {
        public int length()
        {
            return bytes.capacity();
        }

        public int u8(final int offset)
        {
            return bytes.getByte(offset) & 0xFF;
        }

        public int u16(final int offset)
        {
            return bytes.getShort(offset, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        }

        public int u32(final int offset)
        {
            return bytes.getInt(offset, ByteOrder.BIG_ENDIAN);
        }

        public int totalLength()
        {
            return u16(2);
        }

        public int flagsAndFragmentOffset()
        {
            return u16(6);
        }

        public int ttl()
        {
            return u8(8);
        }

        public int protocol()
        {
            return u8(9);
        }

        public int source()
        {
            return u32(12);
        }

        public int destination()
        {
            return u32(16);
        }

        /** The one's-complement sum over the header is 0xFFFF when its checksum is right. */
        public boolean isHeaderChecksumCorrect()
        {
            long sum = 0;
            for (int i = 0; i < IPV4_HEADER; i += 2)
            {
                sum += u16(i);
            }
            while ((sum >>> 16) != 0)
            {
                sum = (sum & 0xFFFF) + (sum >>> 16);
            }
            return sum == 0xFFFF;
        }

        public int udpSourcePort()
        {
            return u16(IPV4_HEADER);
        }

        public int udpDestinationPort()
        {
            return u16(IPV4_HEADER + 2);
        }

        public int udpLength()
        {
            return u16(IPV4_HEADER + 4);
        }

        public int udpChecksum()
        {
            return u16(IPV4_HEADER + 6);
        }

        /** The UDP payload's bytes. */
        public byte[] payload()
        {
            final byte[] payload = new byte[length() - IPV4_HEADER - 8];
            bytes.getBytes(IPV4_HEADER + 8, payload);
            return payload;
        }
    }
}
