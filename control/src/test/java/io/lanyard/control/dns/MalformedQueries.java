package io.lanyard.control.dns;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static io.lanyard.control.dns.StubQuery.A;
import static io.lanyard.control.dns.StubQuery.AAAA;
import static io.lanyard.control.dns.StubQuery.ANY;
import static io.lanyard.control.dns.StubQuery.FLAG_QR;
import static io.lanyard.control.dns.StubQuery.FLAG_RD;
import static io.lanyard.control.dns.StubQuery.HEADER_LENGTH;
import static io.lanyard.control.dns.StubQuery.IN;
import static io.lanyard.control.dns.StubQuery.NO_EDNS;
import static io.lanyard.control.dns.StubQuery.OPT;
import static io.lanyard.control.dns.StubQuery.PTR;
import static io.lanyard.control.dns.StubQuery.TXT;

/**
 * What a hostile or broken sandbox may send its resolver, drawn from one seeded {@link Random}
 * so a failure can be replayed: random bytes, well-formed queries with bits flipped or cut short
 * at every length, absurd section counts, compression pointers that loop or point outside the
 * message, labels and names over their limits, responses, other opcodes, oversized messages and
 * odd EDNS records. Each message is tagged with how it was made, for the failure message.
 */
final class MalformedQueries
{
    /** One message and how it was made. */
    record Case(String kind, byte[] bytes)
    {
        @Override
        public String toString()
        {
            final byte[] head = Arrays.copyOf(bytes, Math.min(bytes.length, 48));
            return kind + " (" + bytes.length + " bytes: " + HexFormat.of().formatHex(head) + (bytes.length > head.length ? "…" : "") + ")";
        }
    }

    /** Names the fuzzed sandbox knows (and one it does not), so mutations start from answers of every kind. */
    private static final String[] NAMES = {"web", "www.front", "0123456789ab", "nothing.example.com", "2.0.0.10.in-addr.arpa"};
    private static final int[] TYPES = {A, AAAA, PTR, TXT, ANY};
    private static final int[] EDNS_PAYLOADS = {NO_EDNS, NO_EDNS, 512, 1232, 4096};
    private static final int[] ODD_PAYLOADS = {0, 1, 2, 511, 512, 513, 1231, 4095, 4096, 4097, 32768, 65535};
    private static final int[] ODD_COUNTS = {0, 2, 3, 127, 255, 256, 4096, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF};
    private static final int MAX_RANDOM_LENGTH = 700;
    private static final int MAX_LABEL = 63;
    private static final int OVERSIZED_MIN = 4097;
    private static final int OVERSIZED_MAX = 9000;

    private final Random random;

    MalformedQueries(final Random random)
    {
        this.random = random;
    }

    /** Every truncation of a few queries, then {@code randomCases} drawn at random, all shuffled. */
    List<Case> corpus(final int randomCases)
    {
        final List<Case> cases = new ArrayList<>(truncations());
        for (int i = 0; i < randomCases; i++)
        {
            cases.add(next());
        }
        Collections.shuffle(cases, random);
        return cases;
    }

    /** A query without and one with EDNS, and a PTR query, cut at every length short of whole. */
    List<Case> truncations()
    {
        final List<Case> cases = new ArrayList<>();
        for (final byte[] whole : List.of(StubQuery.of(1, "web", A).bytes(), StubQuery.of(2, "www.front", AAAA).edns(1232).bytes(),
            StubQuery.of(3, "2.0.0.10.in-addr.arpa", PTR).edns(4096).bytes()))
        {
            for (int length = 0; length < whole.length; length++)
            {
                cases.add(new Case("truncated at " + length, Arrays.copyOf(whole, length)));
            }
        }
        return cases;
    }

    Case next()
    {
        return switch (random.nextInt(14))
        {
            case 0 -> randomBytes();
            case 1 -> randomBodyBehindAQueryHeader();
            case 2, 3 -> bitFlips();
            case 4 -> oddCounts();
            case 5 -> pointers();
            case 6 -> longLabel();
            case 7 -> longName();
            case 8 -> response();
            case 9 -> otherOpcode();
            case 10 -> oversized();
            case 11 -> oddEdns();
            case 12 -> questionCount();
            default -> oddLabelBytes();
        };
    }

    private Case randomBytes()
    {
        final byte[] bytes = new byte[random.nextInt(MAX_RANDOM_LENGTH + 1)];
        random.nextBytes(bytes);
        return new Case("random bytes", bytes);
    }

    private Case randomBodyBehindAQueryHeader()
    {
        final byte[] body = new byte[random.nextInt(MAX_RANDOM_LENGTH + 1)];
        random.nextBytes(body);
        final ByteBuffer message = ByteBuffer.allocate(HEADER_LENGTH + body.length);
        message.putShort((short)0).putShort((short)FLAG_RD).putShort((short)1).putShort((short)random.nextInt(3))
            .putShort((short)random.nextInt(3)).putShort((short)random.nextInt(3)).put(body);
        return new Case("random body behind a query header", message.array());
    }

    private Case bitFlips()
    {
        final byte[] bytes = wellFormed();
        final int flips = 1 + random.nextInt(8);
        for (int i = 0; i < flips; i++)
        {
            final int bit = random.nextInt(bytes.length * 8);
            bytes[bit >> 3] ^= (byte)(1 << (bit & 7));
        }
        return new Case(flips + " bits flipped", bytes);
    }

    private Case oddCounts()
    {
        final byte[] bytes = wellFormed();
        final StringBuilder kind = new StringBuilder("counts");
        final String[] fields = {"QD", "AN", "NS", "AR"};
        final int changed = 1 + random.nextInt(4);
        for (int i = 0; i < changed; i++)
        {
            final int field = random.nextInt(4);
            final int value = random.nextBoolean() ? ODD_COUNTS[random.nextInt(ODD_COUNTS.length)] : random.nextInt(0x10000);
            putShort(bytes, 4 + 2 * field, value);
            kind.append(' ').append(fields[field]).append('=').append(value);
        }
        return new Case(kind.toString(), bytes);
    }

    /** A question name that is, or leads to, a compression pointer no sender may write there. */
    private Case pointers()
    {
        final ByteArrayOutputStream name = new ByteArrayOutputStream();
        final String kind;
        switch (random.nextInt(8))
        {
            case 0 ->
            {
                kind = "pointer to itself";
                pointer(name, HEADER_LENGTH);
            }
            case 1 ->
            {
                final int target = random.nextInt(HEADER_LENGTH);
                kind = "pointer into the header at " + target;
                pointer(name, target);
            }
            case 2 ->
            {
                kind = "label then a pointer back to the name's start";
                label(name, "web");
                pointer(name, HEADER_LENGTH);
            }
            case 3 ->
            {
                kind = "two pointers at each other";
                pointer(name, HEADER_LENGTH + 2);
                pointer(name, HEADER_LENGTH);
            }
            case 4 ->
            {
                final int target = HEADER_LENGTH + 2 + random.nextInt(12);
                kind = "forward pointer to " + target;
                pointer(name, target);
            }
            case 5 ->
            {
                final int target = 40 + random.nextInt(0x3FFF - 40);
                kind = "pointer beyond the end to " + target;
                pointer(name, target);
            }
            case 6 ->
            {
                kind = "pointer cut after its first byte";
                name.write(0xC0);
            }
            default ->
            {
                kind = "reserved label type 0x40/0x80";
                name.write(random.nextBoolean() ? 0x40 | random.nextInt(0x40) : 0x80 | random.nextInt(0x40));
                name.write(random.nextInt(256));
            }
        }
        final boolean cut = kind.startsWith("pointer cut");
        final ByteBuffer message = header(1, 0, 0, 0);
        message.put(name.toByteArray());
        if (!cut)
        {
            message.putShort((short)A).putShort((short)IN);
        }
        return new Case(kind, written(message));
    }

    /** A label longer than 63: its length byte then also carries the reserved 0x40 or 0x80 bit. */
    private Case longLabel()
    {
        final int length = MAX_LABEL + 1 + random.nextInt(0xBF - MAX_LABEL);
        final ByteArrayOutputStream name = new ByteArrayOutputStream();
        if (random.nextBoolean())
        {
            label(name, "web");
        }
        name.write(length);
        final int present = random.nextInt(4) == 0 ? random.nextInt(length) : length;
        name.writeBytes("a".repeat(present).getBytes(StandardCharsets.US_ASCII));
        if (present == length)
        {
            name.write(0);
        }
        final ByteBuffer message = header(1, 0, 0, 0).put(name.toByteArray());
        if (present == length)
        {
            message.putShort((short)A).putShort((short)IN);
        }
        return new Case("label of " + length + (present < length ? " cut at " + present : ""), written(message));
    }

    /** A name of 63-byte labels around and far over the 255-byte limit (RFC 1035 2.3.4). */
    private Case longName()
    {
        final int[] lengths = {254, 255, 256, 257, 300, 512, 1000, 3000};
        final int wireLength = lengths[random.nextInt(lengths.length)];
        final ByteArrayOutputStream name = new ByteArrayOutputStream();
        int left = wireLength - 1;
        while (left > 0)
        {
            final int label = Math.min(MAX_LABEL, left - 1);
            if (label <= 0)
            {
                // one byte left: no room for a label, so the one before grows by one
                break;
            }
            label(name, "x".repeat(label));
            left -= label + 1;
        }
        name.write(0);
        final ByteBuffer message = header(1, 0, 0, 0).put(name.toByteArray()).putShort((short)A).putShort((short)IN);
        return new Case("name of " + name.size() + " bytes", written(message));
    }

    private Case response()
    {
        final byte[] bytes = wellFormed();
        putShort(bytes, 2, FLAG_QR | random.nextInt(0x8000));
        return new Case("QR set", bytes);
    }

    private Case otherOpcode()
    {
        final int opcode = 1 + random.nextInt(15);
        final byte[] bytes = wellFormed();
        putShort(bytes, 2, (opcode << 11) | FLAG_RD);
        return new Case("opcode " + opcode, bytes);
    }

    /** Larger than any query the server reads: padding, or one honest additional record of that size. */
    private Case oversized()
    {
        final int length = OVERSIZED_MIN + random.nextInt(OVERSIZED_MAX - OVERSIZED_MIN);
        final byte[] query = StubQuery.of(0, pick(NAMES), A).bytes();
        if (random.nextBoolean())
        {
            final byte[] bytes = Arrays.copyOf(query, length);
            for (int i = query.length; i < length; i++)
            {
                bytes[i] = (byte)random.nextInt(256);
            }
            return new Case("oversized by padding", bytes);
        }
        final int rdata = length - query.length - 11;
        final ByteBuffer message = ByteBuffer.allocate(length).put(query);
        message.put((byte)0).putShort((short)TXT).putShort((short)IN).putInt(0).putShort((short)rdata).put(new byte[rdata]);
        final byte[] bytes = message.array();
        putShort(bytes, 10, 1);
        return new Case("oversized by a TXT record", bytes);
    }

    private Case oddEdns()
    {
        final byte[] question = StubQuery.of(0, pick(NAMES), pick(TYPES)).bytes();
        final int payload = ODD_PAYLOADS[random.nextInt(ODD_PAYLOADS.length)];
        final ByteArrayOutputStream records = new ByteArrayOutputStream();
        int count = 1;
        final String kind;
        switch (random.nextInt(6))
        {
            case 0 ->
            {
                kind = "EDNS payload " + payload;
                opt(records, new byte[] {0}, payload, 0, new byte[0], 0);
            }
            case 1 ->
            {
                kind = "EDNS owned by a name, payload " + payload;
                opt(records, WireMessages.name("web"), payload, 0, new byte[0], 0);
            }
            case 2 ->
            {
                final int claimed = 1 + random.nextInt(600);
                kind = "EDNS claiming " + claimed + " bytes of options";
                opt(records, new byte[] {0}, payload, 0, new byte[random.nextInt(claimed)], claimed);
            }
            case 3 ->
            {
                kind = "EDNS with options, version and DO, payload " + payload;
                final byte[] options = new byte[4 + random.nextInt(40)];
                random.nextBytes(options);
                opt(records, new byte[] {0}, payload, random.nextInt(), options, options.length);
            }
            case 4 ->
            {
                kind = "two EDNS records";
                opt(records, new byte[] {0}, payload, 0, new byte[0], 0);
                opt(records, new byte[] {0}, ODD_PAYLOADS[random.nextInt(ODD_PAYLOADS.length)], 0, new byte[0], 0);
                count = 2;
            }
            default ->
            {
                kind = "EDNS record owner a pointer to itself";
                opt(records, new byte[] {(byte)0xC0, (byte)question.length}, payload, 0, new byte[0], 0);
            }
        }
        final byte[] bytes = ByteBuffer.allocate(question.length + records.size()).put(question).put(records.toByteArray()).array();
        putShort(bytes, 10, count);
        return new Case(kind, bytes);
    }

    private Case questionCount()
    {
        final byte[] one = StubQuery.of(0, pick(NAMES), pick(TYPES)).bytes();
        if (random.nextBoolean())
        {
            putShort(one, 4, 0);
            return new Case("no question", random.nextBoolean() ? one : Arrays.copyOf(one, HEADER_LENGTH));
        }
        final byte[] second = Arrays.copyOfRange(StubQuery.of(0, pick(NAMES), pick(TYPES)).bytes(), HEADER_LENGTH, one.length);
        final byte[] bytes = ByteBuffer.allocate(one.length + second.length).put(one).put(second).array();
        putShort(bytes, 4, 2);
        return new Case("two questions", bytes);
    }

    /** Labels with bytes no host name has: NUL, dots, bytes over 0x7F, upper case. */
    private Case oddLabelBytes()
    {
        final ByteArrayOutputStream name = new ByteArrayOutputStream();
        final int labels = 1 + random.nextInt(3);
        for (int i = 0; i < labels; i++)
        {
            final byte[] label = new byte[1 + random.nextInt(20)];
            for (int j = 0; j < label.length; j++)
            {
                final int choice = random.nextInt(5);
                label[j] = (byte)switch (choice)
                {
                    case 0 -> 0;
                    case 1 -> '.';
                    case 2 -> 0x80 + random.nextInt(0x80);
                    case 3 -> 'A' + random.nextInt(26);
                    default -> 'a' + random.nextInt(26);
                };
            }
            name.write(label.length);
            name.writeBytes(label);
        }
        name.write(0);
        final ByteBuffer message = header(1, 0, 0, 0).put(name.toByteArray()).putShort((short)pick(TYPES)).putShort((short)IN);
        return new Case("odd label bytes", written(message));
    }

    /** A query as a client would send it, one of several names, types and EDNS offers. */
    private byte[] wellFormed()
    {
        final StubQuery query = StubQuery.of(0, pick(NAMES), pick(TYPES));
        final int payload = EDNS_PAYLOADS[random.nextInt(EDNS_PAYLOADS.length)];
        return (payload == NO_EDNS ? query : query.edns(payload)).bytes();
    }

    private static ByteBuffer header(final int questions, final int answers, final int authorities, final int additionals)
    {
        final ByteBuffer message = ByteBuffer.allocate(4096);
        message.putShort((short)0).putShort((short)FLAG_RD).putShort((short)questions).putShort((short)answers)
            .putShort((short)authorities).putShort((short)additionals);
        return message;
    }

    private static byte[] written(final ByteBuffer message)
    {
        return Arrays.copyOf(message.array(), message.position());
    }

    private static void opt(final ByteArrayOutputStream out, final byte[] owner, final int payload, final int extended,
        final byte[] options, final int claimedLength)
    {
        out.writeBytes(owner);
        out.writeBytes(ByteBuffer.allocate(10).putShort((short)OPT).putShort((short)payload).putInt(extended)
            .putShort((short)claimedLength).array());
        out.writeBytes(options);
    }

    private static void label(final ByteArrayOutputStream name, final String label)
    {
        name.write(label.length());
        name.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
    }

    private static void pointer(final ByteArrayOutputStream name, final int offset)
    {
        name.write(0xC0 | (offset >> 8));
        name.write(offset & 0xFF);
    }

    private static void putShort(final byte[] bytes, final int offset, final int value)
    {
        bytes[offset] = (byte)(value >>> 8);
        bytes[offset + 1] = (byte)value;
    }

    private String pick(final String[] values)
    {
        return values[random.nextInt(values.length)];
    }

    private int pick(final int[] values)
    {
        return values[random.nextInt(values.length)];
    }
}
