package io.lanyard.dataplane;

import java.util.List;

/**
 * Copies of the forwarding stage's tables, taken on the stage's own thread between two batches
 * ({@link ForwardingProxy#dumpMacs} and its siblings): what {@code lanyard mac ls}, {@code nat ls}
 * and {@code vtep ls} show. Taking one copies the whole table while the stage waits, as Open
 * vSwitch's {@code fdb/show} and {@code dpctl/dump-conntrack} do; it is for operators, not for
 * anything that runs per frame.
 */
public final class TableDump
{
    private TableDump()
    {
    }

    /** A MAC behind a port of a domain; {@code pinned}: put there by the control plane (a sandbox's own), never learned or aged. */
    public record Mac(int domain, long mac, int port, boolean pinned, long ageMillis)
    {
    }

    /**
     * A tracked connection, as conntrack shows it: the original tuple (as the first packet came)
     * and the reply tuple (as answers come back, after NAT), its state, and how long it lives on
     * without traffic.
     */
    public record Connection(int protocol, int originalSource, int originalSourcePort, int originalDestination,
        int originalDestinationPort, int replySource, int replySourcePort, int replyDestination, int replyDestinationPort,
        String state, boolean seenReply, long expiresInMillis)
    {
    }

    /** A remote MAC of an overlay domain and the VTEP (host) it is behind: programmed from the cluster, or learned behind a static peer. */
    public record Vtep(int domain, long mac, int ipv4, int vtep, boolean learned, long ageMillis)
    {
    }

    /**
     * What the forwarding stage decided for one synthetic frame ({@link ForwardingProxy#trace}),
     * decided by the same code as every frame but never sent.
     *
     * @param security         {@code "pass"}, or the drop reason of port security (the frame went no further).
     * @param destinationPort  the port the MAC table had for the destination MAC before the decision, or -1.
     * @param egress           a port, or {@code Verdict.FLOOD}/{@code DROP}/{@code REPLY}/{@code CONSUMED}.
     * @param dropReason       the drop reason's label, or null.
     * @param frameAfter       the frame as the decision left it (rewritten by NAT, or turned into a reply).
     * @param connectionMade   the decision made a tracked connection, which the trace removed again.
     */
    public record Trace(int ingressPort, int domain, String security, int destinationPort, int egress, int[] floodPorts,
        String dropReason, int[] vteps, byte[] frameAfter, boolean connectionMade)
    {
    }

    /** A whole dump: at most {@code limit} entries of {@code total}. */
    public record Page<T>(List<T> entries, int total)
    {
    }
}
