package io.lanyard.forwarding.verdict;

/**
 * Where one frame goes: the whole answer of the forwarding decision, written by whichever part
 * decides (the switch, the gateway, the router, the overlay) into one pre-allocated instance per
 * ring slot, and read by the transmit stage and the drop counters.
 *
 * <p>{@link #egress()} names the kind:
 * <ul>
 *   <li>a port (0 or more): send the frame out of it; for an overlay port, to {@link #vtep()}, or
 *       when that is 0 to each of {@link #vteps()};</li>
 *   <li>{@link #FLOOD}: out of every port of {@link #floodPorts()} except the ingress port, and to
 *       each of {@link #vteps()} where that set holds an overlay port;</li>
 *   <li>{@link #REPLY}: the frame was rewritten into an answer to go back out of its ingress port
 *       (to {@link #vtep()} when that is an overlay port);</li>
 *   <li>{@link #CONSUMED}: the frame was for the dataplane itself: nothing to send, nothing dropped;</li>
 *   <li>{@link #DROP}: nothing to send; counted as {@link #dropReason()}.</li>
 * </ul>
 * A port verdict may carry a drop reason too: the decision {@link #replace replaced} the frame
 * with one of its own (an ARP request for the next hop, {@link #rewrittenLength()} long) and the
 * packet it replaced is lost, and counted.
 *
 * <p>Each kind's method ({@link #port}, {@link #flood}, {@link #reply}, {@link #consumed},
 * {@link #drop}) starts the verdict afresh, so nothing of the slot's previous frame carries over;
 * the others add to the kind just written. The flood and VTEP sets are arrays owned by the tables
 * that handed them out, never copied or modified. Single-threaded and allocation-free.
 */
public final class Verdict
{
    public static final int FLOOD = -1;
    public static final int DROP = -2;
    /** The frame was rewritten into a reply to send back out of its ingress port. */
    public static final int REPLY = -3;
    /** The frame was for the dataplane itself (an ARP reply it asked for) and is used up: no egress, no drop. */
    public static final int CONSUMED = -4;

    /** {@link #dropReason()} of a verdict that drops nothing. */
    public static final int NO_DROP = -1;
    /** {@link #rewrittenLength()} of a frame that kept its length. */
    public static final int NOT_REWRITTEN = -1;

    private static final int[] NONE = new int[0];

    private int egress = DROP;
    private int[] floodPorts = NONE;
    private int dropReason = NO_DROP;
    private int rewrittenLength = NOT_REWRITTEN;
    private int vtep;
    private boolean remoteChecksum;
    private int[] vteps = NONE;

    /** Out of {@code port}. */
    public Verdict port(final int port)
    {
        return start(port);
    }

    /** Out of every port of {@code ports} except the ingress port. */
    public Verdict flood(final int[] ports)
    {
        start(FLOOD);
        floodPorts = ports;
        return this;
    }

    /** Back out of the ingress port: the frame now holds the answer. */
    public Verdict reply()
    {
        return start(REPLY);
    }

    /** Used up by the dataplane itself. */
    public Verdict consumed()
    {
        return start(CONSUMED);
    }

    public Verdict drop(final DropReason reason)
    {
        start(DROP);
        dropReason = reason.ordinal();
        return this;
    }

    /**
     * The frame was replaced by one the decision wrote, {@code length} bytes long, and the packet
     * it replaced is lost for {@code lost}.
     */
    public Verdict replace(final int length, final DropReason lost)
    {
        rewrittenLength = length;
        dropReason = lost.ordinal();
        return this;
    }

    /** The one VTEP (an IPv4 address) an overlay port sends the frame to. */
    public Verdict vtep(final int address)
    {
        vtep = address;
        return this;
    }

    /**
     * {@link #vtep()} finishes partial inner checksums itself (it speaks VXLAN remote checksum
     * offload: another Lanyard host), so a checksum the sender left partial may stay so.
     */
    public Verdict remoteChecksum(final boolean finishedThere)
    {
        remoteChecksum = finishedThere;
        return this;
    }

    /** The VTEPs an overlay port replicates the frame to, when {@link #vtep()} is 0. */
    public Verdict vteps(final int[] addresses)
    {
        vteps = addresses;
        return this;
    }

    /** The egress port (0 or more), or {@link #FLOOD}, {@link #DROP}, {@link #REPLY} or {@link #CONSUMED}. */
    public int egress()
    {
        return egress;
    }

    /** The ports of a {@link #FLOOD}, the ingress port possibly among them (transmit skips it). */
    public int[] floodPorts()
    {
        return floodPorts;
    }

    /** A {@link DropReason} ordinal to count against the ingress port, or {@link #NO_DROP}. */
    public int dropReason()
    {
        return dropReason;
    }

    /**
     * The frame's new length when the decision replaced it with one of another length, or
     * {@link #NOT_REWRITTEN}. Such a frame, like a {@link #REPLY}, is complete: no checksum or
     * segmentation is left to the receiver.
     */
    public int rewrittenLength()
    {
        return rewrittenLength;
    }

    /** The VTEP to send to over an overlay port; 0 to use {@link #vteps()}. */
    public int vtep()
    {
        return vtep;
    }

    /** Whether {@link #vtep()} finishes partial inner checksums; false unless said. */
    public boolean remoteChecksum()
    {
        return remoteChecksum;
    }

    public int[] vteps()
    {
        return vteps;
    }

    private Verdict start(final int kind)
    {
        egress = kind;
        dropReason = NO_DROP;
        rewrittenLength = NOT_REWRITTEN;
        vtep = 0;
        remoteChecksum = false;
        // a reference store costs a GC write barrier even when it changes nothing: most verdicts change neither
        if (floodPorts != NONE)
        {
            floodPorts = NONE;
        }
        if (vteps != NONE)
        {
            vteps = NONE;
        }
        return this;
    }
}
