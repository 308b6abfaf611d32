package io.lanyard.dataplane;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.EventPoller;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.LiteBlockingWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import io.lanyard.forwarding.bridge.GatewaySwitch;
import io.lanyard.forwarding.l2.LearningSwitch;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.l2.MacTable;
import io.lanyard.forwarding.l3.Router;
import io.lanyard.forwarding.nat.ConnectionTable;
import io.lanyard.tap.FrameDevice;
import io.lanyard.tap.IoLoop;
import io.lanyard.tap.TapDevice;
import io.lanyard.tap.UdpSocket;
import io.lanyard.vxlan.VxlanHeader;
import org.agrona.BufferUtil;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.BitSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The packet pipeline, wired in one place, and the control plane's way into it.
 *
 * <pre>
 *  I/O loop (epoll | io_uring)          forwarding stage            transmit stage
 *  port readable → read into the  ──▶   learn, look up, decide  ──▶ write to the egress
 *  claimed slot → publish               (single writer of tables)   port(s), flush at end
 *                                       apply commands between      of batch, pass fences
 *                                       batches
 * </pre>
 *
 * One thread each. The I/O loop is the ring's only producer (see {@link RingWriter}). The control
 * plane never touches the tables: {@link #attachTap} and {@link #detach} offer commands to the
 * forwarding stage and publish a wake slot so an idle pipeline applies them at once.
 */
public final class Dataplane implements AutoCloseable
{
    private static final int MAX_BATCH = 64;
    private static final int COMMAND_QUEUE_CAPACITY = 1024;
    private static final long COMMAND_TIMEOUT_SECONDS = 10;
    private static final long TICK_MILLIS = 1000;
    private static final System.Logger LOG = System.getLogger(Dataplane.class.getName());

    /** Kept reachable for the life of the ring: the kernel writes into it by address. */
    private final ByteBuffer arena;
    private final RingBuffer<FrameSlot> ring;
    private final RingWriter writer;
    private final IoLoop ioLoop;
    private final Port[] ports;
    private final BitSet portIds = new BitSet();
    private final CountersFile countersFile;
    private final DataplaneCounters counters;
    private final ManyToOneConcurrentArrayQueue<ForwardingCommand> commands;
    private final List<BatchEventProcessor<FrameSlot>> processors;
    private final List<Thread> threads;
    private final EventPoller<FrameSlot> poller;
    private final Runnable wake;
    private final ScheduledExecutorService ticker;
    private final int maxDomains;
    private final TransmitStage transmit;
    /** VNI → overlay port, read by the VXLAN reader: changed only on the I/O thread. */
    private final Int2ObjectHashMap<Port> overlaysByVni = new Int2ObjectHashMap<>();
    /** Each domain's overlay port (null when none), under this object's lock. */
    private final Port[] overlays;
    private UdpSocket overlaySocket;
    private IoLoop.Watch overlayWatch;
    private volatile FrameDevice uplinkDevice;
    private Port uplink;
    private boolean closed;

    private Dataplane(final DataplaneConfig config)
    {
        countersFile = CountersFile.create(config.countersFile(), 16 + config.maxPorts() * (PortCounters.TYPE_DROP_BASE + DropReason.count()));
        counters = new DataplaneCounters(countersFile.manager());
        ports = new Port[config.maxPorts()];
        maxDomains = config.maxDomains();
        overlays = new Port[maxDomains];
        commands = new ManyToOneConcurrentArrayQueue<>(COMMAND_QUEUE_CAPACITY);
        final OneToOneConcurrentArrayQueue<Fence> fences = new OneToOneConcurrentArrayQueue<>(COMMAND_QUEUE_CAPACITY);

        arena = BufferUtil.allocateDirectAligned(config.ringSize() * FrameSlot.SIZE, 4096);
        final int[] nextSlot = {0};
        ring = RingBuffer.createSingleProducer(
            () -> new FrameSlot(new UnsafeBuffer(arena, nextSlot[0]++ * FrameSlot.SIZE, FrameSlot.SIZE)),
            config.ringSize(),
            waitStrategy(config.waitStrategy()));

        final SystemNanoClock clock = SystemNanoClock.INSTANCE;
        final Router router = new Router(config.maxDomains(), new ConnectionTable(config.natCapacity(), config.conntrackTimeouts()));
        final LearningSwitch learningSwitch = new LearningSwitch(config.maxPorts(), config.maxDomains(),
            new MacTable(config.macTableCapacity(), config.macAgingNanos(), clock.nanoTime()));
        final ForwardingStage forwarding =
            new ForwardingStage(new GatewaySwitch(learningSwitch, router), ports, commands, fences, clock, counters);
        transmit = new TransmitStage(ports, fences, counters);

        final ExceptionHandler<FrameSlot> onError = new StageErrors(counters);
        final BatchEventProcessorBuilder builder = new BatchEventProcessorBuilder().setMaxBatchSize(MAX_BATCH);
        final List<BatchEventProcessor<FrameSlot>> processors = new ArrayList<>();
        final EventPoller.Handler<FrameSlot> inline;
        switch (config.pipeline())
        {
            case DataplaneConfig.PIPELINE_STAGED:
            {
                final BatchEventProcessor<FrameSlot> forwarder = builder.build(ring, ring.newBarrier(), forwarding);
                final BatchEventProcessor<FrameSlot> transmitter = builder.build(ring, ring.newBarrier(forwarder.getSequence()), transmit);
                processors.add(forwarder);
                processors.add(transmitter);
                ring.addGatingSequences(transmitter.getSequence());
                poller = null;
                inline = null;
                break;
            }
            case DataplaneConfig.PIPELINE_FUSED:
            {
                final BatchEventProcessor<FrameSlot> stages = builder.build(ring, ring.newBarrier(),
                    new SequentialStages(forwarding, transmit, counters));
                processors.add(stages);
                ring.addGatingSequences(stages.getSequence());
                poller = null;
                inline = null;
                break;
            }
            default:
            {
                poller = ring.newPoller();
                ring.addGatingSequences(poller.getSequence());
                inline = new SequentialStages(forwarding, transmit, counters).polled();
                break;
            }
        }
        this.processors = List.copyOf(processors);
        final Runnable afterBurst = poller == null ? () -> { } : () -> drainInline(forwarding, inline);
        writer = new RingWriter(ring, afterBurst);

        ioLoop = IoLoop.create(config.ioBackend(), "lanyard-io");
        wake = writer::publishWake;
        final List<Thread> threads = new ArrayList<>();
        for (final BatchEventProcessor<FrameSlot> processor : processors)
        {
            processor.setExceptionHandler(onError);
            final Thread thread = new Thread(processor, processors.size() == 1 ? "lanyard-stages" :
                threads.isEmpty() ? "lanyard-forward" : "lanyard-transmit");
            thread.setDaemon(true);
            threads.add(thread);
        }
        this.threads = List.copyOf(threads);
        threads.forEach(Thread::start);
        // an idle pipeline still ages its tables and refreshes its counters
        ticker = Executors.newSingleThreadScheduledExecutor(task ->
        {
            final Thread thread = new Thread(task, "lanyard-tick");
            thread.setDaemon(true);
            return thread;
        });
        ticker.scheduleAtFixedRate(() -> ioLoop.execute(wake), TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * The {@code inline} layout: the I/O thread itself runs the stages over everything published
     * since the last burst, so a frame is read, switched and written without changing threads.
     */
    private void drainInline(final ForwardingStage forwarding, final EventPoller.Handler<FrameSlot> stages)
    {
        forwarding.onBatchStart(0, 0);
        try
        {
            while (poller.poll(stages) == EventPoller.PollState.PROCESSING)
            {
                Thread.onSpinWait();
            }
        }
        catch (final Exception ex)
        {
            counters.stageErrors.increment();
        }
    }

    public static Dataplane start(final DataplaneConfig config)
    {
        return new Dataplane(config);
    }

    /** Makes the TAP a port of {@code domain} and starts reading from it. */
    public synchronized Port attachTap(final TapDevice tap, final int domain, final String label)
    {
        return attachTap(tap, domain, label, false);
    }

    /** @param hostSide the daemon's own interface on the network, exempt from the network's ICC policy. */
    public synchronized Port attachTap(final TapDevice tap, final int domain, final String label, final boolean hostSide)
    {
        final Port port = attach(tap::write, domain, label, hostSide);
        final TapPortReader reader = new TapPortReader(tap, port.id(), port.counters, writer, label);
        port.watch = ioLoop.watchReadable(tap.fd(), reader);
        ioLoop.execute(() -> reader.watchedBy(port.watch));
        return port;
    }

    /** {@link #attachOverlaySocket(UdpSocket, int)} with the other VTEPs on the IANA port, 4789. */
    public synchronized void attachOverlaySocket(final UdpSocket socket)
    {
        attachOverlaySocket(socket, VxlanHeader.DEFAULT_PORT);
    }

    /**
     * Starts reading the host's one VXLAN socket (the caller bound it, in the right namespace, to
     * the advertised address and the VXLAN port) and sends overlay ports' frames to the other
     * VTEPs' {@code vxlanPort} through its {@link UdpSocket#rawSender() raw sender}: outer IPv4
     * with DF from the socket's address (0 lets the kernel pick one per route), a UDP source port
     * hashed from the inner flow (49152–65535, RFC 7348) and no UDP checksum. The dataplane does
     * not close it.
     *
     * <p>The TAPs of an overlay network's containers should be opened with
     * {@code TapDevice.OFFLOAD_NONE}: a frame left for the receiver to segment or checksum cannot
     * cross as one datagram and is dropped (counted as {@code vxlan_offload} on the overlay port).
     *
     * @param vxlanPort the UDP destination port of the other VTEPs, 1..65535.
     * @throws IllegalArgumentException for a port out of range.
     */
    public synchronized void attachOverlaySocket(final UdpSocket socket, final int vxlanPort)
    {
        ensureOpen();
        if (vxlanPort < 1 || vxlanPort > 0xFFFF)
        {
            throw new IllegalArgumentException("VXLAN port out of range 1..65535: " + vxlanPort);
        }
        if (overlaySocket != null)
        {
            throw new IllegalStateException("an overlay socket is already attached");
        }
        overlaySocket = socket;
        transmit.overlaySocket(socket, vxlanPort);
        final VxlanPortReader reader = new VxlanPortReader(socket, overlaysByVni, writer, counters);
        overlayWatch = ioLoop.watchReadable(socket.fd(), reader);
    }

    /**
     * Makes {@code domain} an overlay network carried over VXLAN as {@code vni}: adds its overlay
     * port ({@code overlay:<vni>}), which stands for every other host of the network. Program the
     * peers and remote endpoints with {@link #overlayPeers}, {@link #overlayEndpoint}.
     */
    public synchronized Port addOverlay(final int domain, final int vni)
    {
        checkDomain(domain);
        if (!VxlanHeader.isValidVni(vni))
        {
            throw new IllegalArgumentException("VNI out of range: " + vni);
        }
        if (overlays[domain] != null)
        {
            throw new IllegalStateException("domain " + domain + " already has overlay " + overlays[domain].label());
        }
        for (final Port overlay : overlays)
        {
            if (overlay != null && overlay.vni == vni)
            {
                throw new IllegalStateException("VNI " + vni + " is already domain " + overlay.domain() + "'s");
            }
        }
        final String label = "overlay:" + vni;
        final Port port = attach((address, length) -> -22, domain, label, false, vni);
        overlays[domain] = port;
        run("add " + label, stage -> stage.addOverlay(domain, port.id()));
        onIoThread("map " + label, () -> overlaysByVni.put(vni, port));
        return port;
    }

    /** The domain stops being an overlay: its VNI is no longer read, its VTEPs are forgotten, its overlay port is detached. */
    public synchronized void removeOverlay(final int domain)
    {
        checkDomain(domain);
        final Port port = overlays[domain];
        if (port == null)
        {
            return;
        }
        // stop reading its VNI, take the port out of the switch (frames of it still in the ring are
        // then dropped as from no port), and only then forget its VTEPs
        onIoThread("unmap " + port.label(), () -> overlaysByVni.remove(port.vni));
        overlays[domain] = null;
        detach(port);
        run("remove " + port.label(), stage -> stage.removeOverlay(domain));
    }

    /**
     * A remote container of the overlay: {@code mac} with {@code ipv4} (answered by proxy ARP;
     * 0 for none) behind the host {@code vtep}.
     */
    public synchronized void overlayEndpoint(final int domain, final long mac, final int ipv4, final int vtep)
    {
        checkOverlay(domain);
        run("add overlay endpoint", stage ->
        {
            if (!stage.vtepTable().addEndpoint(domain, mac, ipv4, vtep))
            {
                throw new IllegalStateException("the VTEP table is full");
            }
        });
    }

    public synchronized void removeOverlayEndpoint(final int domain, final long mac)
    {
        checkOverlay(domain);
        run("remove overlay endpoint", stage -> stage.vtepTable().removeEndpoint(domain, mac));
    }

    /** The other Lanyard hosts of the overlay (their VTEP addresses): they may send into it and get its floods. */
    public synchronized void overlayPeers(final int domain, final int[] vteps)
    {
        checkOverlay(domain);
        final int[] copy = vteps.clone();
        run("set overlay peers", stage -> stage.vtepTable().setPeers(domain, copy));
    }

    /** VTEPs that are not Lanyard hosts (a hardware VTEP, a kernel vxlan device): their MACs are learned. */
    public synchronized void overlayStaticPeers(final int domain, final int[] vteps)
    {
        checkOverlay(domain);
        final int[] copy = vteps.clone();
        run("set overlay static peers", stage -> stage.vtepTable().setStaticPeers(domain, copy));
    }

    /** The domain's overlay port, or null. */
    public synchronized Port overlay(final int domain)
    {
        checkDomain(domain);
        return overlays[domain];
    }

    /** The dataplane-wide counters (VXLAN drops before a port, MAC table): read-only use. */
    public DataplaneCounters dataplaneCounters()
    {
        return counters;
    }

    private void checkOverlay(final int domain)
    {
        checkDomain(domain);
        if (overlays[domain] == null)
        {
            throw new IllegalStateException("domain " + domain + " is not an overlay");
        }
    }

    private void onIoThread(final String what, final Runnable change)
    {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        ioLoop.execute(() ->
        {
            change.run();
            done.complete(null);
        });
        await(done, what);
    }

    /**
     * Makes {@code device} the uplink: the dataplane's own interface towards the outside, with
     * its own address. It belongs to no network; the router answers ARP and ICMP echo for
     * {@code address}, routes and translates what crosses it.
     */
    public synchronized Port attachUplink(
        final FrameDevice device, final long mac, final int address, final int prefixLength, final int gateway)
    {
        ensureOpen();
        final int id = portIds.nextClearBit(0);
        if (id >= ports.length)
        {
            throw new IllegalStateException("all " + ports.length + " ports are in use");
        }
        final String label = "uplink:" + device.name();
        final Port port = new Port(id, -1, label, device::write, new PortCounters(countersFile.manager(), id, label));
        portIds.set(id);
        ports[id] = port;
        uplink = port;
        uplinkDevice = device;
        final CompletableFuture<Void> attached = new CompletableFuture<>();
        command((stage, sequence) ->
        {
            stage.router().configureUplink(id, mac, address, prefixLength, gateway);
            attached.complete(null);
        });
        await(attached, "attach " + label);
        final TapPortReader reader = new TapPortReader(device, id, port.counters, writer, label);
        port.watch = ioLoop.watchReadable(device.fd(), reader);
        ioLoop.execute(() -> reader.watchedBy(port.watch));
        return port;
    }

    /**
     * Writes one frame (no virtio header) straight out of the uplink from the calling thread:
     * for the control plane's ARP probes. A packet socket send is atomic per frame, so this
     * does not disturb the transmit stage writing to the same socket.
     *
     * @return false when there is no uplink or the kernel refused the frame.
     */
    public boolean sendOnUplink(final byte[] frame)
    {
        final FrameDevice device = uplinkDevice;
        if (device == null)
        {
            return false;
        }
        final ByteBuffer data = ByteBuffer.allocateDirect(FrameSlot.VNET_HEADER_LENGTH + frame.length);
        data.position(FrameSlot.VNET_HEADER_LENGTH);
        data.put(frame);
        return device.write(BufferUtil.address(data), data.capacity()) == data.capacity();
    }

    /**
     * Makes {@code domain} a routed network: the router isolates its subnet from the others,
     * sends what is addressed to its gateway IP to its host-side port, and lets the rest out of
     * the uplink (masqueraded when {@code masquerade}) unless {@code external} is false.
     */
    public synchronized void configureRouting(
        final int domain, final int subnet, final int prefixLength, final int gateway, final long gatewayMac,
        final boolean masquerade, final boolean external)
    {
        checkDomain(domain);
        run("route domain " + domain,
            stage -> stage.router().configureDomain(domain, subnet, prefixLength, gateway, gatewayMac, masquerade, external));
    }

    public synchronized void clearRouting(final int domain)
    {
        checkDomain(domain);
        run("unroute domain " + domain, stage -> stage.router().clearDomain(domain));
    }

    /** New flows to the uplink address's {@code hostPort} go to {@code address:port} ({@code mac}) in {@code domain}. */
    public synchronized void publish(
        final int protocol, final int hostPort, final int domain, final int address, final int port, final long mac)
    {
        checkDomain(domain);
        run("publish " + hostPort, stage -> stage.router().publish(protocol, hostPort, domain, address, port, mac));
    }

    public synchronized void unpublish(final int protocol, final int hostPort)
    {
        ensureOpen();
        run("unpublish " + hostPort, stage -> stage.router().unpublish(protocol, hostPort));
    }

    /** Drops the tracked connections of an endpoint (its MAC in {@code domain}) that has left the network. */
    public synchronized void forgetEndpoint(final int domain, final long mac)
    {
        checkDomain(domain);
        run("forget the connections of an endpoint", stage -> stage.router().forgetEndpoint(domain, mac));
    }

    /** Tells the router where a neighbour on the uplink's link is (from the control plane's own probe). */
    public synchronized void neighbour(final int address, final long mac)
    {
        ensureOpen();
        run("neighbour", stage -> stage.router().neighbour(address, mac));
    }

    private void run(final String what, final java.util.function.Consumer<ForwardingStage> change)
    {
        ensureOpen();
        final CompletableFuture<Void> applied = new CompletableFuture<>();
        command((stage, sequence) ->
        {
            try
            {
                change.accept(stage);
                applied.complete(null);
            }
            catch (final RuntimeException ex)
            {
                applied.completeExceptionally(ex);
            }
        });
        await(applied, what);
    }

    private void checkDomain(final int domain)
    {
        ensureOpen();
        if (domain < 0 || domain >= maxDomains)
        {
            throw new IllegalArgumentException("domain " + domain + " out of range 0.." + (maxDomains - 1));
        }
    }

    /** Makes {@code sink} a port of {@code domain}; frames reach the switch from it only by {@link #inject}. */
    public synchronized Port attach(final FrameSink sink, final int domain, final String label)
    {
        return attach(sink, domain, label, false);
    }

    public synchronized Port attach(final FrameSink sink, final int domain, final String label, final boolean hostSide)
    {
        return attach(sink, domain, label, hostSide, -1);
    }

    private Port attach(final FrameSink sink, final int domain, final String label, final boolean hostSide, final int vni)
    {
        ensureOpen();
        if (domain < 0 || domain >= maxDomains)
        {
            throw new IllegalArgumentException("domain " + domain + " out of range 0.." + (maxDomains - 1));
        }
        final int id = portIds.nextClearBit(0);
        if (id >= ports.length)
        {
            throw new IllegalStateException("all " + ports.length + " ports are in use");
        }
        final Port port = new Port(id, domain, label, sink, new PortCounters(countersFile.manager(), id, label), vni);
        portIds.set(id);
        ports[id] = port;
        final CompletableFuture<Void> attached = new CompletableFuture<>();
        command((stage, sequence) ->
        {
            stage.attach(id, domain, hostSide);
            attached.complete(null);
        });
        await(attached, "attach " + label);
        return port;
    }

    /**
     * Stops reading from the port, removes it from the tables, and returns once no stage can
     * still write to it: the caller may then close its device.
     */
    public synchronized void detach(final Port port)
    {
        ensureOpen();
        if (ports[port.id()] != port)
        {
            return;
        }
        if (port.isOverlay() && overlays[port.domain()] == port)
        {
            removeOverlay(port.domain());
            return;
        }
        if (port.watch != null)
        {
            port.watch.cancel();
            final CompletableFuture<Void> drained = new CompletableFuture<>();
            ioLoop.execute(() -> drained.complete(null));
            await(drained, "stop reading " + port.label());
        }
        final CompletableFuture<Void> passed = new CompletableFuture<>();
        final boolean isUplink = port == uplink;
        command((stage, sequence) ->
        {
            if (isUplink)
            {
                stage.router().configureUplink(Router.NO_PORT, -1L, 0, 0, 0);
            }
            stage.detach(port.id(), sequence, passed);
        });
        await(passed, "detach " + port.label());
        ports[port.id()] = null;
        if (port == uplink)
        {
            uplink = null;
            uplinkDevice = null;
        }
        port.counters.close();
        portIds.clear(port.id());
    }

    /**
     * Sets a domain's gateway, which the pipeline answers for (ARP and ICMP echo), and whether
     * its containers may exchange IP (ICC). A gateway MAC of -1 means the domain has no gateway.
     */
    public synchronized void configureDomain(final int domain, final int gatewayAddress, final long gatewayMac, final boolean icc)
    {
        ensureOpen();
        if (domain < 0 || domain >= maxDomains)
        {
            throw new IllegalArgumentException("domain " + domain + " out of range 0.." + (maxDomains - 1));
        }
        final CompletableFuture<Void> applied = new CompletableFuture<>();
        command((stage, sequence) ->
        {
            stage.configureDomain(domain, gatewayAddress, gatewayMac, icc);
            applied.complete(null);
        });
        await(applied, "configure domain " + domain);
    }

    /**
     * Lets two container ports of one network exchange IP, both ways, although the network's ICC
     * is off: Docker's legacy link ({@code docker run --link} on a bridge with {@code --icc=false}).
     * Every other pair of its containers stays apart, and what the switch would flood still reaches
     * the host side alone. The pair ends with {@link #forbidIcc} or when either port is detached, so
     * a port that later gets the same id inherits nothing.
     *
     * @throws IllegalArgumentException for a port paired with itself, ports of two networks, or an
     *         overlay port (it stands for every container on the other hosts, not one).
     * @throws IllegalStateException for a port that is not attached, or when the switch already holds
     *         {@link LearningSwitch#MAX_ALLOWED_PAIRS} pairs.
     */
    public synchronized void allowIcc(final Port a, final Port b)
    {
        ensureOpen();
        if (!isAttached(a) || !isAttached(b))
        {
            throw new IllegalStateException("cannot link " + a.label() + " and " + b.label() + ": not both attached");
        }
        if (a == b || a.domain() != b.domain() || a.isOverlay() || b.isOverlay())
        {
            throw new IllegalArgumentException("cannot link " + a.label() + " and " + b.label() +
                ": links join two local ports of one network");
        }
        run("allow ICC between " + a.label() + " and " + b.label(), stage ->
        {
            if (!stage.allowIcc(a.id(), b.id()))
            {
                throw new IllegalStateException("the switch already holds " + LearningSwitch.MAX_ALLOWED_PAIRS + " ICC pairs");
            }
        });
    }

    /**
     * Ends what {@link #allowIcc} allowed. A port no longer attached is ignored: its pairs went with
     * it, and its id may already be another port's.
     */
    public synchronized void forbidIcc(final Port a, final Port b)
    {
        ensureOpen();
        if (!isAttached(a) || !isAttached(b))
        {
            return;
        }
        run("forbid ICC between " + a.label() + " and " + b.label(), stage -> stage.forbidIcc(a.id(), b.id()));
    }

    /** Whether {@code port} is this dataplane's current holder of its id (not detached, not another dataplane's). */
    private boolean isAttached(final Port port)
    {
        return port.id() >= 0 && port.id() < ports.length && ports[port.id()] == port;
    }

    /** Publishes {@code data} (virtio header + frame) as if it had been read from {@code portId}. */
    public void inject(final int portId, final byte[] data)
    {
        if (data.length > FrameSlot.DATA_CAPACITY)
        {
            throw new IllegalArgumentException("frame too large: " + data.length);
        }
        ioLoop.execute(() ->
        {
            final FrameSlot slot = writer.slot();
            slot.buffer().putBytes(FrameSlot.DATA_OFFSET, data);
            slot.frame(portId, data.length);
            writer.publish();
            writer.endOfBurst();
        });
    }

    public CountersReader counters()
    {
        return countersFile.reader();
    }

    public String ioBackend()
    {
        return ioLoop.backend();
    }

    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        ticker.shutdownNow();
        if (overlayWatch != null)
        {
            overlayWatch.cancel();
        }
        for (final Port port : ports)
        {
            if (port != null && port.watch != null)
            {
                port.watch.cancel();
            }
        }
        ioLoop.close();
        processors.forEach(BatchEventProcessor::halt);
        try
        {
            for (final Thread thread : threads)
            {
                thread.join(5_000);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        countersFile.close();
    }

    private void command(final ForwardingCommand command)
    {
        while (!commands.offer(command))
        {
            Thread.onSpinWait();
        }
        ioLoop.execute(wake);
    }

    private void ensureOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("dataplane is closed");
        }
    }

    private static void await(final CompletableFuture<Void> future, final String what)
    {
        try
        {
            future.get(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + ": interrupted");
        }
        catch (final ExecutionException ex)
        {
            // the stage refused the change (a full table): say why, not that it was silent
            throw new IllegalStateException(what + ": " + ex.getCause().getMessage(), ex.getCause());
        }
        catch (final TimeoutException ex)
        {
            throw new IllegalStateException(what + ": the dataplane did not answer in " + COMMAND_TIMEOUT_SECONDS + " s");
        }
    }

    static WaitStrategy waitStrategy(final String name)
    {
        switch (name)
        {
            case "backoff":
                return new BackoffWaitStrategy(BackoffWaitStrategy.DEFAULT_IDLE_NANOS);
            case "blocking":
                return new LiteBlockingWaitStrategy();
            case "sleeping":
                return new SleepingWaitStrategy();
            case "yielding":
                return new YieldingWaitStrategy();
            case "busy":
                return new BusySpinWaitStrategy();
            default:
                throw new IllegalArgumentException("unknown wait strategy '" + name + "' (backoff, blocking, sleeping, yielding, busy)");
        }
    }

    /** A stage that throws loses one frame, not the pipeline: count it, log the first few. */
    private static final class StageErrors implements ExceptionHandler<FrameSlot>
    {
        private static final int LOGGED = 10;
        private final DataplaneCounters counters;
        private int logged;

        StageErrors(final DataplaneCounters counters)
        {
            this.counters = counters;
        }

        @Override
        public void handleEventException(final Throwable ex, final long sequence, final FrameSlot slot)
        {
            counters.stageErrors.increment();
            if (logged < LOGGED)
            {
                logged++;
                LOG.log(System.Logger.Level.ERROR, "stage error at sequence " + sequence + " (frame dropped)", ex);
            }
        }

        @Override
        public void handleOnStartException(final Throwable ex)
        {
            LOG.log(System.Logger.Level.ERROR, "stage failed to start", ex);
        }

        @Override
        public void handleOnShutdownException(final Throwable ex)
        {
            LOG.log(System.Logger.Level.ERROR, "stage failed to stop", ex);
        }
    }
}
