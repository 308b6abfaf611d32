package io.lanyard.dataplane;

import com.lmax.disruptor.EventHandler;
import io.lanyard.forwarding.bridge.GatewaySwitch;
import io.lanyard.forwarding.l2.LearningSwitch;
import io.lanyard.forwarding.l2.MacTable;
import io.lanyard.forwarding.l3.Router;
import io.lanyard.forwarding.nat.ConnectionTable;
import io.lanyard.forwarding.security.PortSecurity;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import io.lanyard.vxlan.OverlaySwitch;
import io.lanyard.vxlan.VtepTable;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
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
 * <p>Each command the {@link ForwardingProxy} offers calls one of the {@code on…} handlers below,
 * the only code besides {@link #decide} that changes the tables.
 *
 * <p>A frame from a secured port (a sandbox's) that does not come from the port's own MAC and
 * addresses is dropped first ({@link PortSecurity}); a sandbox's MAC is pinned behind its port as
 * it attaches ({@link PortGuard}). Each frame is decided by the {@link OverlaySwitch} (the {@link GatewaySwitch}: the learning
 * switch, each network's gateway and the router behind it; with each overlay network's other
 * hosts behind its overlay port), which writes the slot's verdict: for a frame for an overlay
 * port, with the VTEP (or VTEPs) to send it to. The stage then fits the slot to a frame the
 * decision rewrote and counts a drop against the ingress port.
 */
public final class ForwardingStage implements EventHandler<FrameSlot>
{
    private static final int COMMANDS_PER_BATCH = 64;
    private static final long HOUSEKEEPING_INTERVAL_NANOS = 1_000_000_000L;
    private static final long CONNECTION_SWEEP_INTERVAL_NANOS = 10_000_000L;
    private static final int DROP_NO_INGRESS_PORT = DropReason.NO_INGRESS_PORT.ordinal();

    private final GatewaySwitch gatewaySwitch;
    private final LearningSwitch learningSwitch;
    private final Port[] ports;
    private final ManyToOneConcurrentArrayQueue<ForwardingCommand> commands;
    private final OneToOneConcurrentArrayQueue<Fence> fences;
    private final NanoClock clock;
    private final DataplaneCounters counters;
    private final OverlaySwitch overlaySwitch;
    private final PortSecurity portSecurity;
    private long now;
    private long nextHousekeeping;
    private long nextConnectionSweep;
    private long lastConnectionSweep;
    /** The capture of each port, or null; {@link #captures} counts the captures running (0: none, the hot path's one check). */
    private final Capture[] captureByPort;
    private int captures;
    /** The slot {@link #trace} decides in, made on the first trace. */
    private FrameSlot traceSlot;

    ForwardingStage(
        final GatewaySwitch gatewaySwitch,
        final Port[] ports,
        final ManyToOneConcurrentArrayQueue<ForwardingCommand> commands,
        final OneToOneConcurrentArrayQueue<Fence> fences,
        final NanoClock clock,
        final DataplaneCounters counters)
    {
        this.gatewaySwitch = gatewaySwitch;
        this.learningSwitch = gatewaySwitch.learningSwitch();
        this.ports = ports;
        this.commands = commands;
        this.fences = fences;
        this.clock = clock;
        this.counters = counters;
        this.now = clock.nanoTime();
        this.overlaySwitch = new OverlaySwitch(gatewaySwitch, now);
        this.portSecurity = new PortSecurity(ports.length);
        this.captureByPort = new Capture[ports.length];
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

    /**
     * Public for the benchmark, which drives the stage without a ring. With no capture running
     * (the usual case) a capture costs two reads of one field; the decision stays in this one
     * method, so the JIT inlines as deep as before (a call more in between measured 47 M against
     * 27 M frames/s in {@code ForwardingStageBenchmark.unicast}).
     */
    public void decide(final FrameSlot slot)
    {
        final int claim = captures == 0 ? -1 : captureIngress(slot);
        final int spoofed = portSecurity.check(slot.ingressPort, slot.buffer(), FrameSlot.FRAME_OFFSET, slot.frameLength());
        if (spoofed != PortSecurity.PASS)
        {
            slot.verdict.drop(DropReason.of(spoofed));
            countDrop(slot.ingressPort, spoofed);
        }
        else
        {
            overlaySwitch.decide(slot.ingressPort, slot.sourceVtep, slot.buffer(), FrameSlot.FRAME_OFFSET, slot.frameLength(), now,
                slot.verdict);
            slot.settleRewrite();
            countDrop(slot.ingressPort, slot.verdict.dropReason());
        }
        if (captures != 0)
        {
            captureVerdict(slot, claim);
        }
    }

    /**
     * While some ports are captured: a frame from a captured port is copied before the decision
     * (as read); returns its record, or -1. Copies go to each capture's ring and never wait for
     * its reader.
     */
    private int captureIngress(final FrameSlot slot)
    {
        final int ingress = slot.ingressPort;
        final Capture in = ingress >= 0 && ingress < captureByPort.length ? captureByPort[ingress] : null;
        return in == null ? -1 : in.claim(ingress, Capture.INBOUND, slot.buffer(), FrameSlot.FRAME_OFFSET, slot.frameLength(),
            clock.nanoTime());
    }

    /** After the decision: the ingress record kept with its drop reason, and a copy of what goes out of a captured port, as sent. */
    private void captureVerdict(final FrameSlot slot, final int claim)
    {
        final long nowNanos = clock.nanoTime();
        final int ingress = slot.ingressPort;
        final Capture in = ingress >= 0 && ingress < captureByPort.length ? captureByPort[ingress] : null;
        final Verdict verdict = slot.verdict;
        final int egress = verdict.egress();
        if (claim >= 0 && in != null)
        {
            in.commit(claim, egress == Verdict.DROP ? verdict.dropReason() : Verdict.NO_DROP, egress);
        }
        if (egress >= 0 && egress < captureByPort.length && captureByPort[egress] != null)
        {
            captureByPort[egress].written(egress, slot.buffer(), FrameSlot.FRAME_OFFSET, slot.frameLength(), nowNanos);
        }
        else if (egress == Verdict.FLOOD)
        {
            for (final int port : verdict.floodPorts())
            {
                if (port != ingress && port >= 0 && port < captureByPort.length && captureByPort[port] != null)
                {
                    captureByPort[port].written(port, slot.buffer(), FrameSlot.FRAME_OFFSET, slot.frameLength(), nowNanos);
                }
            }
        }
        else if (egress == Verdict.REPLY && in != null)
        {
            in.written(ingress, slot.buffer(), FrameSlot.FRAME_OFFSET, slot.frameLength(), nowNanos);
        }
    }

    /** Starts copying the frames of a capture's ports into its ring; one capture per port at a time. */
    void onStartCapture(final Capture capture)
    {
        for (final int port : capture.ports())
        {
            if (port < 0 || port >= captureByPort.length || ports[port] == null)
            {
                throw new IllegalArgumentException("no port " + port);
            }
            if (captureByPort[port] != null)
            {
                throw new IllegalStateException("port " + port + " is already being captured");
            }
        }
        capture.epochOffsetNanos = epochNanos() - clock.nanoTime();
        for (final int port : capture.ports())
        {
            captureByPort[port] = capture;
        }
        capture.running = true;
        captures++;
    }

    void onStopCapture(final Capture capture)
    {
        for (int port = 0; port < captureByPort.length; port++)
        {
            if (captureByPort[port] == capture)
            {
                captureByPort[port] = null;
            }
        }
        if (capture.running)
        {
            capture.running = false;
            captures--;
        }
    }

    private static long epochNanos()
    {
        final Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** A frame dropped, or lost to a replacement, counts against its ingress port, or the dataplane when it has none. */
    private void countDrop(final int ingress, final int reason)
    {
        if (reason == DROP_NO_INGRESS_PORT)
        {
            counters.noIngressPort.incrementRelease();
        }
        else if (reason != Verdict.NO_DROP)
        {
            ports[ingress].counters.drop(reason);
        }
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
            final VtepTable vteps = overlaySwitch.vtepTable();
            vteps.expire(now);
            counters.vtepEndpoints.setRelease(vteps.endpointCount());
            counters.vtepLearned.setRelease(vteps.learnedCount());
            counters.vtepLearnRefused.setRelease(vteps.learnRefused());
            counters.macEntries.setRelease(macTable.size());
            counters.macLearnRefused.setRelease(macTable.learnRefused());
            counters.macPortLimitRefused.setRelease(macTable.portLimitRefused());
            counters.macNetworkLimitRefused.setRelease(macTable.domainLimitRefused());
            counters.macPinnedRefused.setRelease(macTable.pinnedRefused());
            counters.macMoves.setRelease(macTable.moves());
            final Router router = gatewaySwitch.router();
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
            final Router router = gatewaySwitch.router();
            if (router != null)
            {
                final ConnectionTable connections = router.connections();
                final int budget = (int)Math.max(256L, connections.capacity() * elapsed / 1_000_000_000L);
                connections.expireSome(now / 1_000_000L, budget);
            }
        }
    }

    // ------------------------------------------------------------------ commands (between batches)

    void onAttach(final int port, final int domain, final boolean hostSide)
    {
        onAttach(port, domain, hostSide, null);
    }

    /** @param guard what the port may send as (port security) and learn, or null for anything. */
    void onAttach(final int port, final int domain, final boolean hostSide, final PortGuard guard)
    {
        // attached first: a refused attach (an id still in use) must not change the live port's guard
        learningSwitch.attach(port, domain, hostSide);
        if (guard != null && guard.isSecured())
        {
            portSecurity.secure(port, guard.mac(), guard.ipv4Addresses());
            // held to its address, so the switch may answer ARP for it instead of flooding every port
            gatewaySwitch.arpResponder().add(port, domain, guard.mac(), guard.ipv4Addresses());
        }
        else
        {
            portSecurity.release(port);
            gatewaySwitch.arpResponder().remove(port);
        }
        learningSwitch.macTable().limitPort(port, guard == null ? MacTable.UNLIMITED : guard.macLimit());
        if (guard != null && guard.hasMac())
        {
            learningSwitch.pin(port, guard.mac(), guard.isSecured());
        }
    }

    /** A copy of the MAC table, at most {@code limit} entries (and how many there are). */
    TableDump.Page<TableDump.Mac> dumpMacs(final int limit)
    {
        final List<TableDump.Mac> entries = new ArrayList<>();
        final int[] total = new int[1];
        learningSwitch.macTable().forEach(clock.nanoTime(), (domain, mac, port, pinned, ageMillis) ->
        {
            if (total[0]++ < limit)
            {
                entries.add(new TableDump.Mac(domain, mac, port, pinned, ageMillis));
            }
        });
        return new TableDump.Page<>(entries, total[0]);
    }

    /** A copy of the connection table (empty without a router): at most {@code limit} of its live connections, in slot order. */
    TableDump.Page<TableDump.Connection> dumpConnections(final int limit)
    {
        final List<TableDump.Connection> entries = new ArrayList<>();
        final Router router = gatewaySwitch.router();
        if (router == null)
        {
            return new TableDump.Page<>(entries, 0);
        }
        final ConnectionTable table = router.connections();
        final long nowMillis = clock.nanoTime() / 1_000_000L;
        int total = 0;
        for (int id = 0; id < table.capacity(); id++)
        {
            if (!table.isLive(id) || table.expiresAtMillis(id) <= nowMillis)
            {
                continue;
            }
            if (total++ < limit)
            {
                entries.add(new TableDump.Connection(table.protocol(id), table.originalSource(id), table.originalSourcePort(id),
                    table.originalDestination(id), table.originalDestinationPort(id), table.replySource(id), table.replySourcePort(id),
                    table.replyDestination(id), table.replyDestinationPort(id), ConnectionTable.stateName(table.state(id)),
                    table.seenReply(id), table.expiresAtMillis(id) - nowMillis));
            }
        }
        return new TableDump.Page<>(entries, total);
    }

    /** A copy of the overlay's VTEP table, at most {@code limit} entries. */
    TableDump.Page<TableDump.Vtep> dumpVteps(final int limit)
    {
        final List<TableDump.Vtep> entries = new ArrayList<>();
        final int[] total = new int[1];
        overlaySwitch.vtepTable().forEach(clock.nanoTime(), (domain, mac, ipv4, vtep, learned, ageMillis) ->
        {
            if (total[0]++ < limit)
            {
                entries.add(new TableDump.Vtep(domain, mac, ipv4, vtep, learned, ageMillis));
            }
        });
        return new TableDump.Page<>(entries, total[0]);
    }

    /**
     * Decides {@code frame} (an Ethernet frame, no virtio header) as if {@code port} had sent it,
     * with the code every frame goes through, in a slot of its own that is never published or
     * sent, and undoes what the decision changed in the tables: a connection it made is removed,
     * a MAC it learned or moved is put back. Counters are not charged.
     */
    TableDump.Trace trace(final int port, final byte[] frame)
    {
        if (traceSlot == null)
        {
            traceSlot = new FrameSlot(new UnsafeBuffer(ByteBuffer.allocateDirect(FrameSlot.SIZE)));
        }
        final FrameSlot slot = traceSlot;
        final UnsafeBuffer buffer = slot.buffer();
        buffer.setMemory(FrameSlot.DATA_OFFSET, FrameSlot.VNET_HEADER_LENGTH, (byte)0);
        buffer.putBytes(FrameSlot.FRAME_OFFSET, frame);
        slot.frame(port, FrameSlot.VNET_HEADER_LENGTH + frame.length);
        final long nowNanos = clock.nanoTime();
        final int domain = ports[port] == null ? -1 : ports[port].domain();
        final MacTable macTable = learningSwitch.macTable();
        final long destinationMac = buffer.getLong(FrameSlot.FRAME_OFFSET - 2, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFF_FFFFL;
        final long sourceMac = buffer.getLong(FrameSlot.FRAME_OFFSET + 4, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFF_FFFFL;
        final int destinationPort = domain < 0 ? MacTable.MISSING : macTable.lookup(domain, destinationMac, nowNanos);
        final int sourceWas = domain < 0 ? MacTable.MISSING : macTable.lookup(domain, sourceMac, nowNanos);

        final int spoofed = portSecurity.check(port, buffer, FrameSlot.FRAME_OFFSET, slot.frameLength());
        if (spoofed != PortSecurity.PASS)
        {
            return new TableDump.Trace(port, domain, DropReason.of(spoofed).label(), destinationPort, Verdict.DROP, new int[0],
                DropReason.of(spoofed).label(), new int[0], frame, false);
        }
        final Router router = gatewaySwitch.router();
        final BitSet liveBefore = router == null ? null : liveConnections(router.connections());
        overlaySwitch.decide(port, 0, buffer, FrameSlot.FRAME_OFFSET, slot.frameLength(), nowNanos, slot.verdict);
        slot.settleRewrite();
        final Verdict verdict = slot.verdict;
        final byte[] after = new byte[slot.frameLength()];
        buffer.getBytes(FrameSlot.FRAME_OFFSET, after);

        boolean madeConnection = false;
        if (router != null)
        {
            final ConnectionTable table = router.connections();
            final BitSet liveAfter = liveConnections(table);
            liveAfter.andNot(liveBefore);
            for (int id = liveAfter.nextSetBit(0); id >= 0; id = liveAfter.nextSetBit(id + 1))
            {
                table.remove(id);
                madeConnection = true;
            }
        }
        if (domain >= 0)
        {
            final int sourceNow = macTable.lookup(domain, sourceMac, nowNanos);
            if (sourceNow != sourceWas && sourceWas == MacTable.MISSING)
            {
                macTable.forget(domain, sourceMac);
            }
            else if (sourceNow != sourceWas)
            {
                macTable.learn(domain, sourceMac, sourceWas, nowNanos);
            }
        }
        final int egress = verdict.egress();
        return new TableDump.Trace(port, domain, "pass", destinationPort, egress,
            egress == Verdict.FLOOD ? verdict.floodPorts().clone() : new int[0],
            verdict.dropReason() == Verdict.NO_DROP ? null : DropReason.of(verdict.dropReason()).label(),
            verdict.vtep() != 0 ? new int[] {verdict.vtep()} : verdict.vteps().clone(), after, madeConnection);
    }

    private static BitSet liveConnections(final ConnectionTable table)
    {
        final BitSet live = new BitSet(table.capacity());
        for (int id = 0; id < table.capacity(); id++)
        {
            if (table.isLive(id))
            {
                live.set(id);
            }
        }
        return live;
    }

    /** Detaches the port and fences the transmit stage behind the current sequence. */
    void onDetach(final int port, final long sequence, final CompletableFuture<Void> passed)
    {
        captureByPort[port] = null;
        learningSwitch.detach(port);
        portSecurity.release(port);
        gatewaySwitch.arpResponder().remove(port);
        counters.macEntries.setRelease(learningSwitch.macTable().size());
        if (!fences.offer(new Fence(sequence, passed)))
        {
            throw new IllegalStateException("fence queue full");
        }
    }

    void onConfigureDomain(final int domain, final int gatewayAddress, final long gatewayMac, final boolean icc)
    {
        gatewaySwitch.configureDomain(domain, gatewayAddress, gatewayMac, icc);
    }

    /** @return false when the switch already holds as many pairs as it may. */
    boolean onAllowPair(final int portA, final int portB)
    {
        return learningSwitch.allowPair(portA, portB);
    }

    void onForbidPair(final int portA, final int portB)
    {
        learningSwitch.forbidPair(portA, portB);
    }

    /** Makes {@code port} (already attached to {@code domain}) the domain's overlay port. */
    void onAddOverlay(final int domain, final int port)
    {
        overlaySwitch.addOverlay(domain, port);
    }

    /** The domain is no longer an overlay: forgets its VTEPs and endpoints. */
    void onRemoveOverlay(final int domain)
    {
        overlaySwitch.removeOverlay(domain);
    }

    /** @return false when the VTEP table is full. */
    boolean onAddOverlayEndpoint(final int domain, final long mac, final int ipv4, final int vtep)
    {
        return overlaySwitch.vtepTable().addEndpoint(domain, mac, ipv4, vtep);
    }

    void onRemoveOverlayEndpoint(final int domain, final long mac)
    {
        overlaySwitch.vtepTable().removeEndpoint(domain, mac);
    }

    void onSetOverlayPeers(final int domain, final int[] vteps)
    {
        overlaySwitch.vtepTable().setPeers(domain, vteps);
    }

    void onSetOverlayStaticPeers(final int domain, final int[] vteps)
    {
        overlaySwitch.vtepTable().setStaticPeers(domain, vteps);
    }

    void onAttachUplink(final int port, final long mac, final int address, final int prefixLength, final int gateway)
    {
        gatewaySwitch.router().configureUplink(port, mac, address, prefixLength, gateway);
    }

    /** The uplink is being detached: the router no longer sends anything out of it. */
    void onDetachUplink()
    {
        gatewaySwitch.router().configureUplink(Router.NO_PORT, -1L, 0, 0, 0);
    }

    void onConfigureRouting(
        final int domain, final int subnet, final int prefixLength, final int gateway, final long gatewayMac,
        final boolean masquerade, final boolean external)
    {
        gatewaySwitch.router().configureDomain(domain, subnet, prefixLength, gateway, gatewayMac, masquerade, external);
    }

    void onClearRouting(final int domain)
    {
        gatewaySwitch.router().clearDomain(domain);
    }

    void onPublish(final int protocol, final int hostPort, final int domain, final int address, final int port, final long mac)
    {
        gatewaySwitch.router().publish(protocol, hostPort, domain, address, port, mac);
    }

    void onUnpublish(final int protocol, final int hostPort)
    {
        gatewaySwitch.router().unpublish(protocol, hostPort);
    }

    void onForgetEndpoint(final int domain, final long mac)
    {
        gatewaySwitch.router().forgetEndpoint(domain, mac);
    }

    void onNeighbour(final int address, final long mac)
    {
        gatewaySwitch.router().neighbour(address, mac);
    }

    /** What the overlay handlers wrote, for tests that read it back. */
    VtepTable vtepTable()
    {
        return overlaySwitch.vtepTable();
    }
}
