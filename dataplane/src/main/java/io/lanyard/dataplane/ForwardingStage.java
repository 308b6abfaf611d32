package io.lanyard.dataplane;

import com.lmax.disruptor.EventHandler;
import io.lanyard.forwarding.l2.LearningSwitch;
import io.lanyard.forwarding.l2.MacTable;
import io.lanyard.forwarding.l3.Router;
import io.lanyard.forwarding.nat.ConnectionTable;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import io.lanyard.vxlan.ProxyArp;
import io.lanyard.vxlan.VtepTable;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * Decides where each frame goes: the single writer of the MAC table and the switch's port and
 * domain tables. It reads the frame in place in its slot and writes only the verdict.
 *
 * <p>Between batches (at the end of each, and on wake slots) it applies the control plane's
 * commands, about once a second ages out the MAC table and refreshes the counters, and at most
 * every 10 ms sweeps a slice of the connection table sized by the time since the last slice (a
 * whole sweep a second). The dataplane wakes the stage once a second, so an idle pipeline keeps
 * house too. The clock is read once per batch.
 *
 * <p>An overlay network is a domain with one more port, its overlay port, which stands for every
 * other host of the network. The stage owns the {@link VtepTable} (which VTEP is behind which
 * remote MAC, who may send into the network) and answers local ARP requests for remote
 * endpoints itself ({@link ProxyArp}), so unicast between hosts never needs a flooded ARP. A
 * frame for the overlay port leaves with the VTEP (or VTEPs) to send it to in its slot.
 */
public final class ForwardingStage implements EventHandler<FrameSlot>
{
    private static final int COMMANDS_PER_BATCH = 64;
    private static final long HOUSEKEEPING_INTERVAL_NANOS = 1_000_000_000L;
    private static final long CONNECTION_SWEEP_INTERVAL_NANOS = 10_000_000L;
    private static final int DROP_NO_INGRESS_PORT = DropReason.NO_INGRESS_PORT.ordinal();
    private static final int NO_PORT = -1;

    private final LearningSwitch learningSwitch;
    private final Port[] ports;
    private final ManyToOneConcurrentArrayQueue<ForwardingCommand> commands;
    private final OneToOneConcurrentArrayQueue<Fence> fences;
    private final NanoClock clock;
    private final DataplaneCounters counters;
    private final VtepTable vtepTable;
    private final ProxyArp proxyArp;
    /** Each domain's overlay port, or {@link #NO_PORT}. */
    private final int[] overlayPorts;
    private long now;
    private long nextHousekeeping;
    private long nextConnectionSweep;
    private long lastConnectionSweep;

    ForwardingStage(
        final LearningSwitch learningSwitch,
        final Port[] ports,
        final ManyToOneConcurrentArrayQueue<ForwardingCommand> commands,
        final OneToOneConcurrentArrayQueue<Fence> fences,
        final NanoClock clock,
        final DataplaneCounters counters)
    {
        this.learningSwitch = learningSwitch;
        this.ports = ports;
        this.commands = commands;
        this.fences = fences;
        this.clock = clock;
        this.counters = counters;
        this.now = clock.nanoTime();
        this.vtepTable = new VtepTable(learningSwitch.maxDomains(), now);
        this.proxyArp = new ProxyArp(vtepTable);
        this.overlayPorts = new int[learningSwitch.maxDomains()];
        Arrays.fill(overlayPorts, NO_PORT);
        this.nextHousekeeping = now + HOUSEKEEPING_INTERVAL_NANOS;
        this.lastConnectionSweep = now;
    }

    @Override
    public void onBatchStart(final long batchSize, final long queueDepth)
    {
        now = clock.nanoTime();
    }

    @Override
    public void onEvent(final FrameSlot slot, final long sequence, final boolean endOfBatch)
    {
        if (slot.kind == FrameSlot.KIND_FRAME)
        {
            decide(slot);
        }
        if (endOfBatch || slot.kind == FrameSlot.KIND_WAKE)
        {
            betweenBatches(sequence);
        }
    }

    /** Public for the benchmark, which drives the stage without a ring. */
    public void decide(final FrameSlot slot)
    {
        final int ingress = slot.ingressPort;
        final int frameLength = slot.dataLength - FrameSlot.VNET_HEADER_LENGTH;
        final int domain = ingress >= 0 && ingress < ports.length ? learningSwitch.domainOf(ingress) : LearningSwitch.NO_DOMAIN;
        final int overlayPort = domain >= 0 ? overlayPorts[domain] : NO_PORT;
        final Verdict verdict = slot.verdict;
        if (overlayPort == NO_PORT || admitOverlay(slot, domain, overlayPort, ingress, frameLength))
        {
            learningSwitch.forward(ingress, slot.buffer(), FrameSlot.FRAME_OFFSET, frameLength, now, verdict);
            final int egress = verdict.egress();
            if (egress == Verdict.FLOOD)
            {
                if (overlayPort != NO_PORT && ingress != overlayPort && contains(verdict.floodPorts(), overlayPort))
                {
                    floodOverOverlay(verdict, slot, domain, overlayPort);
                }
            }
            else if (egress >= 0 && egress == overlayPort)
            {
                final int vtep = vtepTable.vtepOf(domain, destinationMac(slot), now);
                verdict.vtep(vtep).vteps(vtep == VtepTable.NO_VTEP ? vtepTable.floodVteps(domain) : VtepTable.NO_VTEPS);
            }
            else if (egress >= 0 && verdict.rewrittenLength() != Verdict.NOT_REWRITTEN)
            {
                // the router turned the packet into an ARP request for its next hop: the packet is lost
                slot.dataLength = FrameSlot.VNET_HEADER_LENGTH + verdict.rewrittenLength();
                slot.buffer().setMemory(FrameSlot.DATA_OFFSET, FrameSlot.VNET_HEADER_LENGTH, (byte)0);
            }
            else if (egress == Verdict.REPLY)
            {
                // a reply to a frame from another host goes back to the host it came from
                verdict.vtep(slot.sourceVtep);
                // a reply the gateway wrote is complete: no checksum or segmentation left to the receiver
                slot.buffer().setMemory(FrameSlot.DATA_OFFSET, FrameSlot.VNET_HEADER_LENGTH, (byte)0);
            }
        }
        final int reason = verdict.dropReason();
        if (reason == DROP_NO_INGRESS_PORT)
        {
            counters.noIngressPort.incrementRelease();
        }
        else if (reason != Verdict.NO_DROP)
        {
            ports[ingress].counters.drop(reason);
        }
    }

    /**
     * Overlay ingress policy, before the switch sees the frame: a datagram's sender must be a
     * peer or static peer of the network (what a static peer sends teaches the VTEP table where
     * its MACs are); a local ARP request for a remote endpoint is answered on the spot.
     *
     * @return false when the verdict is already written.
     */
    private boolean admitOverlay(final FrameSlot slot, final int domain, final int overlayPort, final int ingress, final int frameLength)
    {
        if (ingress == overlayPort)
        {
            final int sourceVtep = slot.sourceVtep;
            if (!vtepTable.isAccepted(domain, sourceVtep))
            {
                slot.verdict.drop(DropReason.VXLAN_NOT_A_PEER);
                return false;
            }
            if (frameLength >= 14 && vtepTable.isStaticPeer(domain, sourceVtep))
            {
                vtepTable.learn(domain, sourceMac(slot), sourceVtep, now);
            }
            return true;
        }
        if (proxyArp.answer(domain, slot.buffer(), FrameSlot.FRAME_OFFSET, frameLength) == ProxyArp.ANSWERED)
        {
            slot.verdict.reply();
            slot.buffer().setMemory(FrameSlot.DATA_OFFSET, FrameSlot.VNET_HEADER_LENGTH, (byte)0);
            return false;
        }
        return true;
    }

    /**
     * A flood that reaches the overlay: a unicast MAC the switch has not seen locally but the VTEP
     * table places behind one host goes to that host alone; the rest is replicated to every VTEP
     * of the network.
     */
    private void floodOverOverlay(final Verdict verdict, final FrameSlot slot, final int domain, final int overlayPort)
    {
        final long destination = destinationMac(slot);
        if ((destination & 0x0100_0000_0000L) == 0)
        {
            final int vtep = vtepTable.vtepOf(domain, destination, now);
            if (vtep != VtepTable.NO_VTEP)
            {
                verdict.port(overlayPort).vtep(vtep);
                return;
            }
        }
        verdict.vteps(vtepTable.floodVteps(domain));
    }

    private static long destinationMac(final FrameSlot slot)
    {
        return mac(slot, FrameSlot.FRAME_OFFSET);
    }

    private static long sourceMac(final FrameSlot slot)
    {
        return mac(slot, FrameSlot.FRAME_OFFSET + 6);
    }

    private static long mac(final FrameSlot slot, final int offset)
    {
        return ((slot.buffer().getInt(offset, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL) << 16) |
            (slot.buffer().getShort(offset + 4, ByteOrder.BIG_ENDIAN) & 0xFFFFL);
    }

    private static boolean contains(final int[] ports, final int port)
    {
        for (final int member : ports)
        {
            if (member == port)
            {
                return true;
            }
        }
        return false;
    }

    private void betweenBatches(final long sequence)
    {
        ForwardingCommand command;
        for (int i = 0; i < COMMANDS_PER_BATCH && (command = commands.poll()) != null; i++)
        {
            command.apply(this, sequence);
        }
        if (now - nextHousekeeping >= 0)
        {
            nextHousekeeping = now + HOUSEKEEPING_INTERVAL_NANOS;
            final MacTable macTable = learningSwitch.macTable();
            macTable.expire(now);
            vtepTable.expire(now);
            counters.macEntries.setRelease(macTable.size());
            counters.macLearnRefused.setRelease(macTable.learnRefused());
            counters.macMoves.setRelease(macTable.moves());
            final Router router = learningSwitch.router();
            if (router != null)
            {
                final ConnectionTable connections = router.connections();
                counters.natConnections.setRelease(connections.size());
                counters.natCreated.setRelease(router.created());
                counters.natRefusedFull.setRelease(connections.refusedFull());
                counters.natExpired.setRelease(connections.expired());
            }
        }
        if (now - nextConnectionSweep >= 0)
        {
            // a slice at most every 10 ms, sized by the time since the last one, sweeps the whole
            // connection table about once a second without one long stop of the stage
            final long elapsed = Math.min(now - lastConnectionSweep, 1_000_000_000L);
            lastConnectionSweep = now;
            nextConnectionSweep = now + CONNECTION_SWEEP_INTERVAL_NANOS;
            final Router router = learningSwitch.router();
            if (router != null)
            {
                final ConnectionTable connections = router.connections();
                final int budget = (int)Math.max(256L, connections.capacity() * elapsed / 1_000_000_000L);
                connections.expireSome(now / 1_000_000L, budget);
            }
        }
    }

    void attach(final int port, final int domain, final boolean hostSide)
    {
        learningSwitch.attach(port, domain, hostSide);
    }

    void configureDomain(final int domain, final int gatewayAddress, final long gatewayMac, final boolean icc)
    {
        learningSwitch.configureDomain(domain, gatewayAddress, gatewayMac, icc);
    }

    /** @return false when the switch already holds as many pairs as it may. */
    boolean allowIcc(final int portA, final int portB)
    {
        return learningSwitch.allowPair(portA, portB);
    }

    void forbidIcc(final int portA, final int portB)
    {
        learningSwitch.forbidPair(portA, portB);
    }

    /** Makes {@code port} (already attached to {@code domain}) the domain's overlay port. */
    void addOverlay(final int domain, final int port)
    {
        overlayPorts[domain] = port;
    }

    /** The domain is no longer an overlay: forgets its VTEPs and endpoints. */
    void removeOverlay(final int domain)
    {
        overlayPorts[domain] = NO_PORT;
        vtepTable.clear(domain);
    }

    VtepTable vtepTable()
    {
        return vtepTable;
    }

    Router router()
    {
        return learningSwitch.router();
    }

    /** Detaches the port and fences the transmit stage behind the current sequence. */
    void detach(final int port, final long sequence, final CompletableFuture<Void> passed)
    {
        learningSwitch.detach(port);
        counters.macEntries.setRelease(learningSwitch.macTable().size());
        if (!fences.offer(new Fence(sequence, passed)))
        {
            throw new IllegalStateException("fence queue full");
        }
    }
}
