package io.lanyard.control.dns;

import io.lanyard.control.dns.DnsMessages.Query;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DefaultDnsPtrRecord;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Answers one query for one sandbox, as Docker's embedded DNS does: the names of the networks
 * the sandbox is on (and its own link aliases) are answered here; everything else goes to the
 * sandbox's upstream resolvers if it has a way out, and gets SERVFAIL if it does not.
 *
 * <p>Transport-neutral: the listeners hand in each message and get the answer back through a
 * {@link Sink}, at once or, for a forwarded query, later from the forwarder's thread.
 */
final class Resolver
{
    /** What answers for container names carry, as Docker's do. */
    static final long TTL_SECONDS = 600;
    /** The largest query read; anything longer is no honest query (RFC 1035 queries carry one question). */
    static final int MAX_QUERY = DnsMessages.EDNS_UDP_LIMIT;
    private static final int DNS_CLASS_IN = 1;

    /** Where an answer goes; it takes ownership of the buffer. */
    interface Sink
    {
        void send(ByteBuf answer);
    }

    private final NameTable names;
    private final UpstreamForwarder forwarder;
    private final DnsCounters counters;

    Resolver(final NameTable names, final UpstreamForwarder forwarder, final DnsCounters counters)
    {
        this.names = names;
        this.forwarder = forwarder;
        this.counters = counters;
    }

    /**
     * Answers {@code message} (which stays the caller's) for a sandbox with {@code scope}.
     *
     * @param udp whether it came over UDP: its own answers then fit the query's UDP payload size
     *            or are sent truncated (TC), for the client to ask again over TCP.
     */
    void handle(final ByteBufAllocator alloc, final ByteBuf message, final DnsScope scope, final boolean udp, final Sink sink)
    {
        final Query query = DnsMessages.read(message);
        switch (query.verdict())
        {
            case DROP ->
            {
                counters.increment(DnsCounters.Kind.DROPPED_MALFORMED);
                return;
            }
            case FORMERR ->
            {
                counters.increment(DnsCounters.Kind.FORMERR);
                sink.send(DnsMessages.error(alloc, query, DnsResponseCode.FORMERR));
                return;
            }
            case NOTIMP ->
            {
                counters.increment(DnsCounters.Kind.NOTIMP);
                sink.send(DnsMessages.error(alloc, query, DnsResponseCode.NOTIMP));
                return;
            }
            case QUERY ->
            {
                // answered below
            }
        }
        if (message.readableBytes() > MAX_QUERY)
        {
            counters.increment(DnsCounters.Kind.FORMERR);
            sink.send(DnsMessages.error(alloc, query, DnsResponseCode.FORMERR));
            return;
        }
        counters.increment(DnsCounters.Kind.QUERIES);
        final int limit = udp ? query.udpPayload() : Integer.MAX_VALUE;
        final DnsQuestion question = query.question();
        if (question.dnsClass() == DNS_CLASS_IN && answerInternally(alloc, query, question, scope, limit, sink))
        {
            counters.increment(DnsCounters.Kind.ANSWERED_INTERNAL);
            return;
        }
        if (!scope.externalAccess() || scope.upstreams().isEmpty())
        {
            counters.increment(DnsCounters.Kind.SERVFAIL);
            sink.send(DnsMessages.error(alloc, query, DnsResponseCode.SERVFAIL));
            return;
        }
        forwarder.forward(message.retainedDuplicate(), scope.upstreams(), new UpstreamForwarder.Reply()
        {
            @Override
            public void relay(final ByteBuf response)
            {
                if (response.readableBytes() > limit)
                {
                    // the forwarder relays the upstream's answer whatever its size (its TCP retry's
                    // may be up to 64 KiB): a UDP client gets no more than it offered, truncated,
                    // and asks again over TCP, as Docker's resolver does
                    final int code = response.getUnsignedShort(response.readerIndex() + 2) & 0xF;
                    response.release();
                    sink.send(DnsMessages.truncated(alloc, query, DnsResponseCode.valueOf(code)));
                    return;
                }
                sink.send(response);
            }

            @Override
            public void fail(final DnsResponseCode code)
            {
                if (DnsResponseCode.SERVFAIL.equals(code))
                {
                    counters.increment(DnsCounters.Kind.SERVFAIL);
                }
                sink.send(DnsMessages.error(alloc, query, code));
            }
        });
    }

    /** Answers a name of the client's networks (or a PTR for one of their addresses); false when it is none of theirs. */
    private boolean answerInternally(final ByteBufAllocator alloc, final Query query, final DnsQuestion question, final DnsScope scope,
        final int limit, final Sink sink)
    {
        final String name = question.name();
        if (question.type() == DnsRecordType.PTR)
        {
            final long address = DnsMessages.reverseAddress(name);
            if (address < 0)
            {
                return false;
            }
            final Optional<String> owner = names.reverse(scope.networkIds(), (int)address);
            if (owner.isEmpty())
            {
                return false;
            }
            final List<DnsRecord> answers = new ArrayList<>(1);
            answers.add(new DefaultDnsPtrRecord(name, DNS_CLASS_IN, TTL_SECONDS, owner.get() + "."));
            sink.send(DnsMessages.answer(alloc, query, DnsResponseCode.NOERROR, true, answers, limit));
            return true;
        }
        final String target = scope.links().getOrDefault(NameTable.canonical(name), name);
        if (!names.isKnown(scope.networkIds(), target))
        {
            return false;
        }
        final List<DnsRecord> answers = new ArrayList<>();
        if (question.type() == DnsRecordType.A)
        {
            for (final int address : names.resolve(scope.networkIds(), target, ThreadLocalRandom.current()))
            {
                answers.add(new DefaultDnsRawRecord(name, DnsRecordType.A, TTL_SECONDS, Unpooled.wrappedBuffer(new byte[] {
                    (byte)(address >>> 24), (byte)(address >>> 16), (byte)(address >>> 8), (byte)address})));
            }
        }
        // AAAA and every other type of a container's name: the name exists, it has no such record
        sink.send(DnsMessages.answer(alloc, query, DnsResponseCode.NOERROR, true, answers, limit));
        return true;
    }
}
