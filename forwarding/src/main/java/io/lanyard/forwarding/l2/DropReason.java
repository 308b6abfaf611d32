package io.lanyard.forwarding.l2;

/**
 * Why a frame was not delivered. Every drop is counted against one of these on the port it
 * arrived on (forwarding) or was meant to leave by (transmit); none is logged.
 */
public enum DropReason
{
    /** Too short for its headers, or a header that does not parse. */
    MALFORMED("malformed"),
    /** A group or all-zero source MAC: no station sends from those. */
    BAD_SOURCE_MAC("bad_source_mac"),
    /** The ingress port was detached while its frame was in the ring. */
    NO_INGRESS_PORT("no_ingress_port"),
    /** The destination was learned behind the port the frame came from. */
    SAME_PORT("same_port"),
    /** The egress port was detached while the frame was in the ring. */
    NO_EGRESS_PORT("no_egress_port"),
    /** The kernel refused the write (e.g. the interface is down). */
    TX_ERROR("tx_error"),
    /** The frame did not fit in a ring slot (only possible with a misbehaving device). */
    TRUNCATED("truncated"),
    /** IP between two containers of a network with inter-container communication off. */
    ICC("icc"),
    /** Addressed to the gateway for something it does not serve (yet: no route out). */
    NO_ROUTE("no_route");

    private static final DropReason[] VALUES = values();

    private final String label;

    DropReason(final String label)
    {
        this.label = label;
    }

    public String label()
    {
        return label;
    }

    public static DropReason of(final int ordinal)
    {
        return VALUES[ordinal];
    }

    public static int count()
    {
        return VALUES.length;
    }
}
