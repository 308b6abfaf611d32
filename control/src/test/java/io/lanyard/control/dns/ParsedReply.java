package io.lanyard.control.dns;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsResponseDecoder;
import io.netty.handler.codec.dns.DnsPtrRecord;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsSection;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * An answer from the embedded DNS as a client reads it: decoded by netty's
 * {@link DatagramDnsResponseDecoder} (a message it cannot decode fails the test), with the
 * header's flags and counts also read from the raw bytes, so a header that disagrees with its
 * sections shows.
 *
 * @param questions the questions' names as netty gives them (with a trailing dot).
 * @param counts    QDCOUNT, ANCOUNT, NSCOUNT and ARCOUNT as the header states them.
 */
record ParsedReply(int size, int id, int flags, int rcode, List<String> questions, List<Answer> answers, int authorities,
    int additionals, int[] counts)
{
    static final int NOERROR = 0;
    static final int FORMERR = 1;
    static final int SERVFAIL = 2;
    static final int NXDOMAIN = 3;
    static final int NOTIMP = 4;

    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);
    private static final InetSocketAddress SERVER = new InetSocketAddress("127.0.0.11", 53);

    /**
     * One answer record.
     *
     * @param value the address for A records, the target for PTR, the data in hex otherwise.
     */
    record Answer(String name, int type, long ttl, String value)
    {
    }

    static ParsedReply parse(final byte[] message)
    {
        final EmbeddedChannel channel = new EmbeddedChannel(new DatagramDnsResponseDecoder());
        try
        {
            channel.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(message), CLIENT, SERVER));
            final DnsResponse response = channel.readInbound();
            try
            {
                final List<String> questions = new ArrayList<>();
                for (int i = 0; i < response.count(DnsSection.QUESTION); i++)
                {
                    questions.add(response.recordAt(DnsSection.QUESTION, i).name());
                }
                final List<Answer> answers = new ArrayList<>();
                for (int i = 0; i < response.count(DnsSection.ANSWER); i++)
                {
                    answers.add(answer(response.recordAt(DnsSection.ANSWER, i)));
                }
                final int[] counts = new int[4];
                for (int i = 0; i < counts.length; i++)
                {
                    counts[i] = unsignedShort(message, 4 + 2 * i);
                }
                return new ParsedReply(message.length, unsignedShort(message, 0), unsignedShort(message, 2),
                    response.code().intValue(), List.copyOf(questions), List.copyOf(answers), response.count(DnsSection.AUTHORITY),
                    response.count(DnsSection.ADDITIONAL), counts);
            }
            finally
            {
                response.release();
            }
        }
        finally
        {
            channel.finishAndReleaseAll();
        }
    }

    boolean isResponse()
    {
        return (flags & StubQuery.FLAG_QR) != 0;
    }

    int opcode()
    {
        return (flags >> 11) & 0xF;
    }

    boolean authoritative()
    {
        return (flags & 0x0400) != 0;
    }

    boolean truncated()
    {
        return (flags & 0x0200) != 0;
    }

    /** Whether the sections netty read hold as many records as the header says. */
    boolean countsMatchSections()
    {
        return counts[0] == questions.size() && counts[1] == answers.size() && counts[2] == authorities && counts[3] == additionals;
    }

    /** The A answers' addresses, in the order sent. */
    List<String> addresses()
    {
        return answers.stream().filter(answer -> answer.type() == StubQuery.A).map(Answer::value).toList();
    }

    private static Answer answer(final DnsRecord record)
    {
        final int type = record.type().intValue();
        final String value;
        if (record instanceof DnsPtrRecord ptr)
        {
            value = ptr.hostname();
        }
        else if (record instanceof DnsRawRecord raw && type == StubQuery.A && raw.content().readableBytes() == 4)
        {
            final byte[] bytes = ByteBufUtil.getBytes(raw.content());
            value = (bytes[0] & 0xFF) + "." + (bytes[1] & 0xFF) + "." + (bytes[2] & 0xFF) + "." + (bytes[3] & 0xFF);
        }
        else if (record instanceof DnsRawRecord raw)
        {
            value = ByteBufUtil.hexDump(raw.content());
        }
        else
        {
            value = record.toString();
        }
        return new Answer(record.name(), type, record.timeToLive(), value);
    }

    private static int unsignedShort(final byte[] message, final int offset)
    {
        return ((message[offset] & 0xFF) << 8) | (message[offset + 1] & 0xFF);
    }
}
