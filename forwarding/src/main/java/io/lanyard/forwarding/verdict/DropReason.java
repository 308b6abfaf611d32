package io.lanyard.forwarding.verdict;

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
    /** Addressed to the gateway for something it does not serve, or with no route out (internal network, no uplink). */
    NO_ROUTE("no_route"),
    /** Addressed to another of Lanyard's networks: networks are isolated from each other. */
    ISOLATION("isolation"),
    /** An IPv4 fragment: NAT cannot translate fragments it does not reassemble. */
    FRAGMENT("fragment"),
    /** A routed packet whose TTL ran out. */
    TTL_EXCEEDED("ttl_exceeded"),
    /** A new flow refused because the connection table is full (existing flows keep working). */
    NAT_TABLE_FULL("nat_table_full"),
    /** A new flow for which no free source port (or a clashing tuple) was found. */
    NAT_NO_PORT("nat_no_port"),
    /** Inbound on the uplink, matching no connection and no published port. */
    UNSOLICITED("unsolicited"),
    /** The next hop's MAC is not known yet: the frame became an ARP request for it. */
    ARP_PENDING("arp_pending"),
    /** A protocol or message NAT does not translate (not TCP, UDP or ICMP echo/error). */
    UNSUPPORTED("unsupported"),
    /** A VXLAN datagram from a VTEP that is neither a peer nor a static peer of the overlay network. */
    VXLAN_NOT_A_PEER("vxlan_not_a_peer"),
    /**
     * A frame left to the receiver to segment or checksum (virtio GSO or NEEDS_CSUM) bound for
     * an overlay: a VXLAN datagram carries one finished frame.
     */
    VXLAN_OFFLOAD("vxlan_offload"),
    /** From a secured port (a sandbox's) with a source MAC not its own. */
    SPOOFED_MAC("spoofed_mac"),
    /** From a secured port with an IPv4 source address not its own (nor 0.0.0.0). */
    SPOOFED_IP("spoofed_ip"),
    /** ARP from a secured port naming another MAC or another address (not its own, nor 0.0.0.0) as its sender. */
    SPOOFED_ARP("spoofed_arp");

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
