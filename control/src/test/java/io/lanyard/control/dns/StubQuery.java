package io.lanyard.control.dns;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A query as a stub resolver (glibc, musl, dig) sends it, written byte by byte (RFC 1035 4.1.1):
 * one question, RD set, and an EDNS OPT record (RFC 6891 6.1.2) only when asked for, since the
 * 512-byte limit of a query without one is what several tests are about.
 */
final class StubQuery
{
    static final int A = 1;
    static final int PTR = 12;
    static final int TXT = 16;
    static final int AAAA = 28;
    static final int OPT = 41;
    static final int ANY = 255;
    static final int IN = 1;

    static final int FLAG_QR = 0x8000;
    static final int FLAG_RD = 0x0100;
    static final int HEADER_LENGTH = 12;
    /** The length of an OPT record with a root owner and no options. */
    static final int OPT_LENGTH = 11;
    static final int NO_EDNS = -1;

    private final int id;
    private final String name;
    private final int type;
    private int flags = FLAG_RD;
    private int ednsPayload = NO_EDNS;

    private StubQuery(final int id, final String name, final int type)
    {
        this.id = id;
        this.name = name;
        this.type = type;
    }

    static StubQuery of(final int id, final String name, final int type)
    {
        return new StubQuery(id, name, type);
    }

    /** Carries an OPT record offering {@code payload} bytes of UDP answer. */
    StubQuery edns(final int payload)
    {
        this.ednsPayload = payload;
        return this;
    }

    /** The header's second 16 bits as they are to be sent (QR, opcode, RD and the rest). */
    StubQuery flags(final int flags)
    {
        this.flags = flags;
        return this;
    }

    byte[] bytes()
    {
        final byte[] qname = WireMessages.name(name);
        final ByteBuffer out = ByteBuffer.allocate(HEADER_LENGTH + qname.length + 4 + OPT_LENGTH);
        out.putShort((short)id).putShort((short)flags).putShort((short)1).putShort((short)0).putShort((short)0)
            .putShort((short)(ednsPayload == NO_EDNS ? 0 : 1));
        out.put(qname).putShort((short)type).putShort((short)IN);
        if (ednsPayload != NO_EDNS)
        {
            out.put((byte)0).putShort((short)OPT).putShort((short)ednsPayload).putInt(0).putShort((short)0);
        }
        return Arrays.copyOf(out.array(), out.position());
    }
}
