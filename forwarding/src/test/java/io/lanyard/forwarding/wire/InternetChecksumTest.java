package io.lanyard.forwarding.wire;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static io.lanyard.forwarding.testkit.GoldenPackets.ICMP_ECHO_REQUEST;
import static io.lanyard.forwarding.testkit.GoldenPackets.IPV4_OFFSET;
import static io.lanyard.forwarding.testkit.GoldenPackets.buffer;
import static io.lanyard.forwarding.testkit.GoldenPackets.bytes;
import static java.nio.ByteOrder.BIG_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InternetChecksumTest
{
    /** The worked example of RFC 1071 section 3. */
    private static final String RFC_1071_EXAMPLE = "0001f203f4f5f6f7";

    private final Ipv4Header ip = new Ipv4Header();

    @Test
    void shouldSumTheRfc1071Example()
    {
        final UnsafeBuffer buffer = buffer(RFC_1071_EXAMPLE);

        assertEquals(0xDDF2, InternetChecksum.sum(buffer, 0, 8, 0));
        assertEquals(0x220D, InternetChecksum.compute(buffer, 0, 8));
    }

    @Test
    void shouldPadAnOddLengthWithAZeroOctet()
    {
        final UnsafeBuffer buffer = buffer(RFC_1071_EXAMPLE + "f8");

        // 0xddf2 + 0xf800 = 0x1d5f2, folded 0xd5f3
        assertEquals(0xD5F3, InternetChecksum.sum(buffer, 0, 9, 0));
        assertEquals(0x2A0C, InternetChecksum.compute(buffer, 0, 9));
    }

    @Test
    void shouldSumAtAnOffsetAndStopAtTheLength()
    {
        final UnsafeBuffer buffer = buffer("ffff" + RFC_1071_EXAMPLE + "ffff");

        assertEquals(0x220D, InternetChecksum.compute(buffer, 2, 8));
    }

    @Test
    void shouldFoldAnInitialSumSuchAsAPseudoHeader()
    {
        final UnsafeBuffer buffer = buffer(RFC_1071_EXAMPLE);

        assertEquals(0xDDF2, InternetChecksum.sum(buffer, 0, 4, InternetChecksum.sum(buffer, 4, 4, 0)));
        assertEquals(0x1234, InternetChecksum.sum(buffer, 0, 0, 0x1234));
        assertEquals(0x0001, InternetChecksum.sum(buffer, 0, 0, 0x10000), "end-around carry");
    }

    @Test
    void shouldAgreeWithAWordByWordReferenceForEveryLengthAndOffset()
    {
        final SplittableRandom random = new SplittableRandom(1071);
        final byte[] data = new byte[80];
        for (int round = 0; round < 200; round++)
        {
            for (int i = 0; i < data.length; i++)
            {
                data[i] = (byte)random.nextInt(256);
            }
            final UnsafeBuffer buffer = new UnsafeBuffer(data);
            for (int offset = 0; offset < 4; offset++)
            {
                for (int length = 0; length <= 70; length++)
                {
                    assertEquals(referenceChecksum(data, offset, length), InternetChecksum.compute(buffer, offset, length),
                        "offset " + offset + " length " + length);
                }
            }
        }
    }

    @Test
    void shouldFoldAllOnesWithoutOverflow()
    {
        final byte[] data = new byte[65_536];
        java.util.Arrays.fill(data, (byte)0xFF);

        assertEquals(0xFFFF, InternetChecksum.sum(new UnsafeBuffer(data), 0, data.length, 0));
        assertEquals(0, InternetChecksum.compute(new UnsafeBuffer(data), 0, data.length));
    }

    @Test
    void shouldUpdateTheChecksumIncrementallyWhenTheTtlIsDecremented()
    {
        final UnsafeBuffer buffer = buffer(ICMP_ECHO_REQUEST);
        ip.wrap(buffer, IPV4_OFFSET, 84);

        final int oldWord = buffer.getShort(IPV4_OFFSET + Ipv4Header.TTL_OFFSET, BIG_ENDIAN) & 0xFFFF;
        ip.ttl(ip.ttl() - 1);
        final int newWord = buffer.getShort(IPV4_OFFSET + Ipv4Header.TTL_OFFSET, BIG_ENDIAN) & 0xFFFF;
        final int incremental = InternetChecksum.update16(ip.checksum(), oldWord, newWord);

        assertEquals(0x2FB0, incremental);
        assertEquals(ip.updateChecksum().checksum(), incremental);
    }

    @Test
    void shouldUpdateTheChecksumIncrementallyWhenTheSourceAddressIsRewritten()
    {
        final UnsafeBuffer buffer = buffer(ICMP_ECHO_REQUEST);
        ip.wrap(buffer, IPV4_OFFSET, 84);

        final int oldSource = ip.source();
        final int newSource = 0x0A00_0005;
        ip.source(newSource);
        final int incremental = InternetChecksum.update32(ip.checksum(), oldSource, newSource);
        ip.checksum(incremental);

        assertEquals(0xD0BE, incremental);
        assertTrue(ip.isChecksumCorrect());
        assertEquals(incremental, ip.updateChecksum().checksum());
    }

    @Test
    void shouldAgreeWithAFullRecomputeForRandomFieldRewrites()
    {
        final SplittableRandom random = new SplittableRandom(1624);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[20]);
        ip.wrap(buffer, 0, 20);
        for (int round = 0; round < 10_000; round++)
        {
            buffer.putBytes(0, bytes("45000054b3d1400040012eb0ac110002ac110003"));
            buffer.putLong(4, random.nextLong());
            buffer.putLong(12, random.nextLong());
            ip.updateChecksum();

            final int index = 12 + 4 * random.nextInt(2);
            final int oldAddress = buffer.getInt(index, BIG_ENDIAN);
            final int newAddress = random.nextInt();
            buffer.putInt(index, newAddress, BIG_ENDIAN);
            final int after32 = InternetChecksum.update32(ip.checksum(), oldAddress, newAddress);

            final int wordIndex = 2 + 2 * random.nextInt(4); // total length .. ttl/protocol: IHL stays 5
            final int oldWord = buffer.getShort(wordIndex, BIG_ENDIAN) & 0xFFFF;
            final int newWord = random.nextInt(0x10000);
            buffer.putShort(wordIndex, (short)newWord, BIG_ENDIAN);
            final int after16 = InternetChecksum.update16(after32, oldWord, newWord);
            ip.checksum(after16);

            assertTrue(ip.isChecksumCorrect(), "round " + round);
            assertEquals(ip.updateChecksum().checksum(), after16, "round " + round);
        }
    }

    @Test
    void shouldLeaveTheChecksumUnchangedWhenAFieldKeepsItsValue()
    {
        assertEquals(0x2EB0, InternetChecksum.update16(0x2EB0, 0x4001, 0x4001));
        assertEquals(0x2EB0, InternetChecksum.update32(0x2EB0, 0xAC11_0002, 0xAC11_0002));
    }

    /** RFC 1071 section 4.1, one 16-bit word at a time. */
    private static int referenceChecksum(final byte[] data, final int offset, final int length)
    {
        long sum = 0;
        int i = 0;
        for (; i + 1 < length; i += 2)
        {
            sum += ((data[offset + i] & 0xFF) << 8) | (data[offset + i + 1] & 0xFF);
        }
        if (i < length)
        {
            sum += (data[offset + i] & 0xFF) << 8;
        }
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)(~sum & 0xFFFF);
    }
}
