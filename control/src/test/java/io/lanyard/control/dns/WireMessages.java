package io.lanyard.control.dns;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** DNS messages written out byte by byte (RFC 1035 4.1), for scripted upstreams and golden tests. */
final class WireMessages
{
    static final int A = 1;
    static final int SOA = 6;
    static final int HTTPS = 65;
    static final int IN = 1;

    static final int NOERROR = 0;
    static final int SERVFAIL = 2;
    static final int NXDOMAIN = 3;
    static final int REFUSED = 5;

    /** A query for www.example.com A IN, ID 0xbeef, RD set, no additional records (dig +noedns). */
    static final byte[] GOLDEN_QUERY = {
        (byte)0xbe, (byte)0xef, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x03, 'w', 'w', 'w', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00,
        0x00, 0x01, 0x00, 0x01,
    };

    /** Its answer, with the name in upper case and one A record: 93.184.216.34, TTL 300. */
    static final byte[] GOLDEN_ANSWER = {
        (byte)0xbe, (byte)0xef, (byte)0x81, (byte)0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
        0x03, 'W', 'W', 'W', 0x07, 'E', 'X', 'A', 'M', 'P', 'L', 'E', 0x03, 'C', 'O', 'M', 0x00,
        0x00, 0x01, 0x00, 0x01,
        (byte)0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, 93, (byte)184, (byte)216, 34,
    };

    private static final int RECURSION_DESIRED = 0x0100;
    private static final int RECURSION_AVAILABLE = 0x0080;
    private static final int RESPONSE = 0x8000;
    private static final int TRUNCATED = 0x0200;
    private static final int OPT = 41;

    private WireMessages()
    {
    }

    /** A recursive query with one question and an EDNS OPT record offering 1232-byte answers, as glibc sends with edns0. */
    static byte[] query(final int id, final String name, final int type)
    {
        final ByteBuffer message = ByteBuffer.allocate(512);
        message.putShort((short)id).putShort((short)RECURSION_DESIRED).putShort((short)1).putShort((short)0)
            .putShort((short)0).putShort((short)1);
        message.put(name(name)).putShort((short)type).putShort((short)IN);
        message.put((byte)0).putShort((short)OPT).putShort((short)1232).putInt(0).putShort((short)0);
        return Arrays.copyOf(message.array(), message.position());
    }

    static int id(final byte[] message)
    {
        return ((message[0] & 0xFF) << 8) | (message[1] & 0xFF);
    }

    static byte[] withId(final byte[] message, final int id)
    {
        final byte[] copy = message.clone();
        copy[0] = (byte)(id >>> 8);
        copy[1] = (byte)id;
        return copy;
    }

    /** The message from its third byte on: all but the ID. */
    static byte[] afterId(final byte[] message)
    {
        return Arrays.copyOfRange(message, 2, message.length);
    }

    static byte[] name(final String dotted)
    {
        final ByteArrayOutputStream name = new ByteArrayOutputStream();
        for (final String label : dotted.split("\\."))
        {
            if (!label.isEmpty())
            {
                final byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
                name.write(bytes.length);
                name.writeBytes(bytes);
            }
        }
        name.write(0);
        return name.toByteArray();
    }

    /** An A record whose owner is the question's name (a pointer to offset 12). */
    static byte[] aRecord(final int ttl, final int a, final int b, final int c, final int d)
    {
        return ByteBuffer.allocate(16).putShort((short)0xC00C).putShort((short)A).putShort((short)IN).putInt(ttl)
            .putShort((short)4).put((byte)a).put((byte)b).put((byte)c).put((byte)d).array();
    }

    /** The SOA record an NXDOMAIN carries in its authority section. */
    static byte[] soaRecord(final String zone)
    {
        final byte[] owner = name(zone);
        final byte[] primary = name("ns1." + zone);
        final byte[] mailbox = name("hostmaster." + zone);
        final ByteBuffer rdata = ByteBuffer.allocate(primary.length + mailbox.length + 20)
            .put(primary).put(mailbox).putInt(2024010101).putInt(7200).putInt(3600).putInt(1209600).putInt(300);
        return ByteBuffer.allocate(owner.length + 10 + rdata.capacity()).put(owner).putShort((short)SOA).putShort((short)IN)
            .putInt(300).putShort((short)rdata.capacity()).put(rdata.array()).array();
    }

    static Answer answerTo(final byte[] query)
    {
        return new Answer(query);
    }

    /** An upstream's answer to a query: its ID and question unless told otherwise. */
    static final class Answer
    {
        private final byte[] query;
        private int id;
        private int code = NOERROR;
        private boolean truncated;
        private boolean response = true;
        private byte[] question;
        private final List<byte[]> answers = new ArrayList<>();
        private final List<byte[]> authorities = new ArrayList<>();

        private Answer(final byte[] query)
        {
            this.query = query;
            this.id = WireMessages.id(query);
            this.question = Arrays.copyOfRange(query, 12, questionEnd(query));
        }

        Answer code(final int code)
        {
            this.code = code;
            return this;
        }

        Answer truncated()
        {
            this.truncated = true;
            return this;
        }

        Answer id(final int id)
        {
            this.id = id;
            return this;
        }

        /** QR clear: the query echoed back rather than answered. */
        Answer notAResponse()
        {
            this.response = false;
            return this;
        }

        Answer question(final String name, final int type)
        {
            this.question = ByteBuffer.allocate(name(name).length + 4).put(name(name)).putShort((short)type).putShort((short)IN)
                .array();
            return this;
        }

        Answer answer(final byte[] record)
        {
            answers.add(record);
            return this;
        }

        Answer authority(final byte[] record)
        {
            authorities.add(record);
            return this;
        }

        byte[] bytes()
        {
            final int flags = (response ? RESPONSE : 0) | (truncated ? TRUNCATED : 0) | RECURSION_AVAILABLE |
                (((query[2] & 0xFF) << 8) & RECURSION_DESIRED) | code;
            final ByteArrayOutputStream message = new ByteArrayOutputStream();
            message.writeBytes(ByteBuffer.allocate(12).putShort((short)id).putShort((short)flags).putShort((short)1)
                .putShort((short)answers.size()).putShort((short)authorities.size()).putShort((short)0).array());
            message.writeBytes(question);
            answers.forEach(message::writeBytes);
            authorities.forEach(message::writeBytes);
            return message.toByteArray();
        }
    }

    private static int questionEnd(final byte[] message)
    {
        int index = 12;
        while (message[index] != 0)
        {
            index += 1 + message[index];
        }
        return index + 1 + 4;
    }
}
