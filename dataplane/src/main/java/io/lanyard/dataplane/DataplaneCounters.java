package io.lanyard.dataplane;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import java.nio.charset.StandardCharsets;

/** Counters of the dataplane as a whole (no port to charge them to), each with one writing thread. */
public final class DataplaneCounters
{
    public static final int NO_PORT = -1;
    public static final int TYPE_MAC_ENTRIES = 100;
    public static final int TYPE_MAC_LEARN_REFUSED = 101;
    public static final int TYPE_MAC_MOVES = 102;
    public static final int TYPE_DROP_NO_INGRESS_PORT = 103;
    public static final int TYPE_DROP_NO_EGRESS_PORT = 104;
    public static final int TYPE_STAGE_ERRORS = 105;
    public static final int TYPE_NAT_CONNECTIONS = 106;
    public static final int TYPE_NAT_CREATED = 107;
    public static final int TYPE_NAT_REFUSED_FULL = 108;
    public static final int TYPE_NAT_EXPIRED = 109;
    public static final int TYPE_VXLAN_DROP_BAD_HEADER = 110;
    public static final int TYPE_VXLAN_DROP_UNKNOWN_VNI = 111;
    public static final int TYPE_VXLAN_DROP_TRUNCATED = 112;
    public static final int TYPE_VXLAN_RX_ERRORS = 113;
    public static final int TYPE_VXLAN_RX_PARTIAL_CHECKSUM = 114;
    public static final int TYPE_VXLAN_RX_JOINED = 115;
    public static final int TYPE_MAC_PORT_LIMIT_REFUSED = 116;
    public static final int TYPE_MAC_NETWORK_LIMIT_REFUSED = 117;
    public static final int TYPE_MAC_PINNED_REFUSED = 118;
    public static final int TYPE_VTEP_ENDPOINTS = 119;
    public static final int TYPE_VTEP_LEARNED = 120;
    public static final int TYPE_VTEP_LEARN_REFUSED = 121;

    /** Written by the forwarding stage. */
    final AtomicCounter macEntries;
    final AtomicCounter macLearnRefused;
    /** New MACs not learned because their port had as many as it may (a sandbox without port security). */
    final AtomicCounter macPortLimitRefused;
    /** New MACs not learned because their network had as many learned as it may. */
    final AtomicCounter macNetworkLimitRefused;
    /** Frames from a sandbox's (pinned) MAC on another port, which did not move it. */
    final AtomicCounter macPinnedRefused;
    final AtomicCounter macMoves;
    final AtomicCounter noIngressPort;
    /** Tracked connections now, created and refused (table full) so far, expired so far. */
    final AtomicCounter natConnections;
    final AtomicCounter natCreated;
    final AtomicCounter natRefusedFull;
    final AtomicCounter natExpired;
    /**
     * Written by the I/O thread: VXLAN datagrams dropped before they had an overlay port to be
     * charged to (no I flag, a VNI of no overlay here, too short or too long), and read errors.
     */
    final AtomicCounter vxlanBadHeader;
    final AtomicCounter vxlanUnknownVni;
    final AtomicCounter vxlanTruncated;
    final AtomicCounter vxlanRxErrors;
    /**
     * Written by the I/O thread: inner frames that came with a sender's partial TCP/UDP checksum
     * (a Linux VTEP's over a veth, or one the VXLAN header says was left partial: remote checksum
     * offload), passed on as such.
     */
    final AtomicCounter vxlanPartialChecksum;
    /** Written by the I/O thread: datagrams whose TCP segments were joined into larger frames. */
    final AtomicCounter vxlanJoined;
    /**
     * Written by the forwarding stage: the VTEP table's remote endpoints (from the cluster), MACs
     * learned behind static VTEPs, and those refused because it was full.
     */
    final AtomicCounter vtepEndpoints;
    final AtomicCounter vtepLearned;
    final AtomicCounter vtepLearnRefused;
    /** Written by the transmit stage. */
    final AtomicCounter noEgressPort;
    /** Written by whichever stage hit an unexpected exception (rare; incremented atomically). */
    final AtomicCounter stageErrors;

    DataplaneCounters(final CountersManager manager)
    {
        macEntries = newCounter(manager, TYPE_MAC_ENTRIES, "mac_entries");
        macLearnRefused = newCounter(manager, TYPE_MAC_LEARN_REFUSED, "mac_learn_refused");
        macMoves = newCounter(manager, TYPE_MAC_MOVES, "mac_moves");
        noIngressPort = newCounter(manager, TYPE_DROP_NO_INGRESS_PORT, "drop_no_ingress_port");
        noEgressPort = newCounter(manager, TYPE_DROP_NO_EGRESS_PORT, "drop_no_egress_port");
        stageErrors = newCounter(manager, TYPE_STAGE_ERRORS, "stage_errors");
        natConnections = newCounter(manager, TYPE_NAT_CONNECTIONS, "nat_connections");
        natCreated = newCounter(manager, TYPE_NAT_CREATED, "nat_created");
        natRefusedFull = newCounter(manager, TYPE_NAT_REFUSED_FULL, "nat_refused_full");
        natExpired = newCounter(manager, TYPE_NAT_EXPIRED, "nat_expired");
        vxlanBadHeader = newCounter(manager, TYPE_VXLAN_DROP_BAD_HEADER, "vxlan_drop_bad_header");
        vxlanUnknownVni = newCounter(manager, TYPE_VXLAN_DROP_UNKNOWN_VNI, "vxlan_drop_unknown_vni");
        vxlanTruncated = newCounter(manager, TYPE_VXLAN_DROP_TRUNCATED, "vxlan_drop_truncated");
        vxlanRxErrors = newCounter(manager, TYPE_VXLAN_RX_ERRORS, "vxlan_rx_errors");
        vxlanPartialChecksum = newCounter(manager, TYPE_VXLAN_RX_PARTIAL_CHECKSUM, "vxlan_rx_partial_checksum");
        vxlanJoined = newCounter(manager, TYPE_VXLAN_RX_JOINED, "vxlan_rx_joined");
        macPortLimitRefused = newCounter(manager, TYPE_MAC_PORT_LIMIT_REFUSED, "mac_port_limit_refused");
        macNetworkLimitRefused = newCounter(manager, TYPE_MAC_NETWORK_LIMIT_REFUSED, "mac_network_limit_refused");
        macPinnedRefused = newCounter(manager, TYPE_MAC_PINNED_REFUSED, "mac_pinned_refused");
        vtepEndpoints = newCounter(manager, TYPE_VTEP_ENDPOINTS, "vtep_endpoints");
        vtepLearned = newCounter(manager, TYPE_VTEP_LEARNED, "vtep_learned");
        vtepLearnRefused = newCounter(manager, TYPE_VTEP_LEARN_REFUSED, "vtep_learn_refused");
    }

    public long vxlanBadHeader()
    {
        return vxlanBadHeader.get();
    }

    public long vxlanUnknownVni()
    {
        return vxlanUnknownVni.get();
    }

    public long vxlanTruncated()
    {
        return vxlanTruncated.get();
    }

    private static AtomicCounter newCounter(final CountersManager manager, final int type, final String label)
    {
        final UnsafeBuffer key = new UnsafeBuffer(new byte[Integer.BYTES]);
        key.putInt(0, NO_PORT);
        final UnsafeBuffer text = new UnsafeBuffer(label.getBytes(StandardCharsets.US_ASCII));
        return manager.newCounter(type, key, 0, key.capacity(), text, 0, text.capacity());
    }
}
