package io.lanyard.control.dns;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the embedded DNS has done since the daemon started, by outcome: shown by
 * {@code lanyard stats}. Updated from the resolver's event loop, read from anywhere.
 */
public final class DnsCounters
{
    /** One outcome; its {@link #key} is the name {@code lanyard stats} shows. */
    public enum Kind
    {
        /** Queries received and decoded (UDP and TCP). */
        QUERIES("queries"),
        /** Answered from the names of the sandbox's networks (A, PTR, or an empty NOERROR). */
        ANSWERED_INTERNAL("answered_internal"),
        /** Sent on to an upstream resolver (each query once, however many upstreams it tried). */
        FORWARDED("forwarded"),
        /** An upstream's answer relayed to the client (NXDOMAIN included). */
        RELAYED("relayed"),
        /** Answered FORMERR: a header could be read, the rest was malformed or longer than a query can be (4096 bytes). */
        FORMERR("formerr"),
        /** Dropped unanswered: too short for a header, or a response instead of a query. */
        DROPPED_MALFORMED("dropped_malformed"),
        /** Answered NOTIMP: an opcode other than QUERY. */
        NOTIMP("notimp"),
        /** Answered REFUSED because {@link UpstreamForwarder#MAX_IN_FLIGHT} queries were already in flight. */
        REFUSED_OVERLOAD("refused_overload"),
        /** Answered SERVFAIL: no upstream, no external access, or every upstream failed. */
        SERVFAIL("servfail"),
        /** An upstream that did not answer within its timeout. */
        UPSTREAM_TIMEOUTS("upstream_timeouts"),
        /** An upstream that answered SERVFAIL or REFUSED, or could not be reached, so the next one was asked. */
        UPSTREAM_FAILURES("upstream_failures"),
        /** A truncated UDP answer retried over TCP. */
        TCP_FALLBACKS("tcp_fallbacks");

        private final String key;

        Kind(final String key)
        {
            this.key = key;
        }

        public String key()
        {
            return key;
        }
    }

    private final AtomicLongArray values = new AtomicLongArray(Kind.values().length);

    public void increment(final Kind kind)
    {
        values.incrementAndGet(kind.ordinal());
    }

    public long get(final Kind kind)
    {
        return values.get(kind.ordinal());
    }

    /** Every counter by its key, in declaration order. */
    public Map<String, Long> snapshot()
    {
        final Map<String, Long> all = new LinkedHashMap<>();
        for (final Kind kind : Kind.values())
        {
            all.put(kind.key(), get(kind));
        }
        return all;
    }
}
