package io.lanyard.dataplane;

import io.lanyard.forwarding.l2.LearningSwitch;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The control plane's way into the forwarding stage's tables, in the manner of Aeron's
 * {@code …Proxy}: each method offers a command to the stage's queue, the command calls one of the
 * stage's {@code on…} handlers between two batches on the stage's own thread, and the method
 * returns once it has (the tables never see a second writer or a lock). Every change takes the
 * same path, {@link #offerAndAwait}: offer, wake the pipeline so an idle one applies it at once,
 * and wait with a timeout, turning the stage's refusal into an exception that says why.
 *
 * <p>The domain and routing commands are public; the port and overlay commands are sent by
 * {@link PortTable} and {@link OverlayPorts}, which keep the ports they stand for. Once the
 * dataplane is closed every command is refused.
 */
public final class ForwardingProxy
{
    private static final long COMMAND_TIMEOUT_SECONDS = 10;

    private final ManyToOneConcurrentArrayQueue<ForwardingCommand> commands;
    private final Pipeline pipeline;
    private final int maxDomains;
    /** Under this object's lock, as every command is: none is in flight once it is set. */
    private boolean closed;

    ForwardingProxy(final Pipeline pipeline, final int maxDomains)
    {
        this.commands = pipeline.commands();
        this.pipeline = pipeline;
        this.maxDomains = maxDomains;
    }

    /**
     * Sets a domain's gateway, which the pipeline answers for (ARP and ICMP echo), and whether
     * its containers may exchange IP (ICC). A gateway MAC of -1 means the domain has no gateway.
     */
    public void configureDomain(final int domain, final int gatewayAddress, final long gatewayMac, final boolean icc)
    {
        checkDomain(domain);
        apply("configure domain " + domain, (stage, sequence) -> stage.onConfigureDomain(domain, gatewayAddress, gatewayMac, icc));
    }

    /**
     * Makes {@code domain} a routed network: the router isolates its subnet from the others,
     * sends what is addressed to its gateway IP to its host-side port, and lets the rest out of
     * the uplink (masqueraded when {@code masquerade}) unless {@code external} is false.
     */
    public void configureRouting(
        final int domain, final int subnet, final int prefixLength, final int gateway, final long gatewayMac,
        final boolean masquerade, final boolean external)
    {
        checkDomain(domain);
        apply("route domain " + domain,
            (stage, sequence) -> stage.onConfigureRouting(domain, subnet, prefixLength, gateway, gatewayMac, masquerade, external));
    }

    public void clearRouting(final int domain)
    {
        checkDomain(domain);
        apply("unroute domain " + domain, (stage, sequence) -> stage.onClearRouting(domain));
    }

    /** New flows to the uplink address's {@code hostPort} go to {@code address:port} ({@code mac}) in {@code domain}. */
    public void publish(final int protocol, final int hostPort, final int domain, final int address, final int port, final long mac)
    {
        checkDomain(domain);
        apply("publish " + hostPort, (stage, sequence) -> stage.onPublish(protocol, hostPort, domain, address, port, mac));
    }

    public void unpublish(final int protocol, final int hostPort)
    {
        ensureOpen();
        apply("unpublish " + hostPort, (stage, sequence) -> stage.onUnpublish(protocol, hostPort));
    }

    /** Drops the tracked connections of an endpoint (its MAC in {@code domain}) that has left the network. */
    public void forgetEndpoint(final int domain, final long mac)
    {
        checkDomain(domain);
        apply("forget the connections of an endpoint", (stage, sequence) -> stage.onForgetEndpoint(domain, mac));
    }

    /** Tells the router where a neighbour on the uplink's link is (from the control plane's own probe). */
    public void neighbour(final int address, final long mac)
    {
        ensureOpen();
        apply("neighbour", (stage, sequence) -> stage.onNeighbour(address, mac));
    }

    /** The MAC table as it is now: at most {@code limit} entries, and how many it holds. */
    public TableDump.Page<TableDump.Mac> dumpMacs(final int limit)
    {
        return query("dump the MAC table", stage -> stage.dumpMacs(limit));
    }

    /** The tracked connections (NAT), at most {@code limit}, and how many there are. */
    public TableDump.Page<TableDump.Connection> dumpConnections(final int limit)
    {
        return query("dump the connection table", stage -> stage.dumpConnections(limit));
    }

    /** The overlay's remote MACs and their VTEPs, at most {@code limit}, and how many there are. */
    public TableDump.Page<TableDump.Vtep> dumpVteps(final int limit)
    {
        return query("dump the VTEP table", stage -> stage.dumpVteps(limit));
    }

    /**
     * What the switch would do with {@code frame} (an Ethernet frame) sent by {@code port}: decided
     * on the stage's thread by the code every frame goes through, never sent, and leaving the
     * tables as they were.
     */
    public TableDump.Trace trace(final int port, final byte[] frame)
    {
        return query("trace a frame from port " + port, stage -> stage.trace(port, frame));
    }

    /** Starts copying the frames of the capture's ports into its ring (refused for a port another capture holds). */
    public void startCapture(final Capture capture)
    {
        apply("start a capture", (stage, sequence) -> stage.onStartCapture(capture));
    }

    /** Stops a capture; its ring gets nothing more. */
    public void stopCapture(final Capture capture)
    {
        apply("stop a capture", (stage, sequence) -> stage.onStopCapture(capture));
    }

    /** @param guard what the port may send as (port security), or null for anything. */
    void attach(final Port port, final boolean hostSide, final PortGuard guard)
    {
        apply("attach " + port.label(), (stage, sequence) -> stage.onAttach(port.id(), port.domain(), hostSide, guard));
    }

    void attachUplink(final Port port, final long mac, final int address, final int prefixLength, final int gateway)
    {
        apply("attach " + port.label(), (stage, sequence) -> stage.onAttachUplink(port.id(), mac, address, prefixLength, gateway));
    }

    /** Returns once the transmit stage has passed the detach's fence: no stage can still write to the port. */
    void detach(final Port port, final boolean isUplink)
    {
        final CompletableFuture<Void> passed = new CompletableFuture<>();
        offerAndAwait("detach " + port.label(), passed, (stage, sequence) ->
        {
            if (isUplink)
            {
                stage.onDetachUplink();
            }
            stage.onDetach(port.id(), sequence, passed);
        });
    }

    /** @see PortTable#allowIcc */
    void allowPair(final Port a, final Port b)
    {
        apply("allow ICC between " + a.label() + " and " + b.label(), (stage, sequence) ->
        {
            if (!stage.onAllowPair(a.id(), b.id()))
            {
                throw new IllegalStateException("the switch already holds " + LearningSwitch.MAX_ALLOWED_PAIRS + " ICC pairs");
            }
        });
    }

    void forbidPair(final Port a, final Port b)
    {
        apply("forbid ICC between " + a.label() + " and " + b.label(), (stage, sequence) -> stage.onForbidPair(a.id(), b.id()));
    }

    void addOverlay(final Port port)
    {
        apply("add " + port.label(), (stage, sequence) -> stage.onAddOverlay(port.domain(), port.id()));
    }

    void removeOverlay(final Port port)
    {
        apply("remove " + port.label(), (stage, sequence) -> stage.onRemoveOverlay(port.domain()));
    }

    void addOverlayEndpoint(final int domain, final long mac, final int ipv4, final int vtep)
    {
        apply("add overlay endpoint", (stage, sequence) ->
        {
            if (!stage.onAddOverlayEndpoint(domain, mac, ipv4, vtep))
            {
                throw new IllegalStateException("the VTEP table is full");
            }
        });
    }

    void removeOverlayEndpoint(final int domain, final long mac)
    {
        apply("remove overlay endpoint", (stage, sequence) -> stage.onRemoveOverlayEndpoint(domain, mac));
    }

    /** @param vteps the caller's own copy: the stage keeps it. */
    void setOverlayPeers(final int domain, final int[] vteps)
    {
        apply("set overlay peers", (stage, sequence) -> stage.onSetOverlayPeers(domain, vteps));
    }

    /** @param vteps the caller's own copy: the stage keeps it. */
    void setOverlayStaticPeers(final int domain, final int[] vteps)
    {
        apply("set overlay static peers", (stage, sequence) -> stage.onSetOverlayStaticPeers(domain, vteps));
    }

    /**
     * Runs {@code change} on the I/O thread (the port readers' own state, such as the VNI map)
     * and waits for it the same way, so that no read started before it is still running.
     */
    void onIoThread(final String what, final Runnable change)
    {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        pipeline.ioLoop().execute(() ->
        {
            change.run();
            done.complete(null);
        });
        await(done, what);
    }

    /**
     * Refuses a domain outside {@code 0..maxDomains-1} (and anything once closed): the one range
     * check of every command and port that names a domain.
     */
    void checkDomain(final int domain)
    {
        ensureOpen();
        if (domain < 0 || domain >= maxDomains)
        {
            throw new IllegalArgumentException("domain " + domain + " out of range 0.." + (maxDomains - 1));
        }
    }

    synchronized void ensureOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("dataplane is closed");
        }
    }

    /**
     * Refuses every command from now on, once the one in flight (if any) is done.
     *
     * @return false when it was already closed.
     */
    synchronized boolean close()
    {
        if (closed)
        {
            return false;
        }
        closed = true;
        return true;
    }

    /** A change that is done once the stage has applied it (every change but a detach, which waits for its fence). */
    private void apply(final String what, final ForwardingCommand change)
    {
        final CompletableFuture<Void> applied = new CompletableFuture<>();
        offerAndAwait(what, applied, (stage, sequence) ->
        {
            change.apply(stage, sequence);
            applied.complete(null);
        });
    }

    /** Asks the stage something on its own thread, between two batches, and returns its answer. */
    private <T> T query(final String what, final Function<ForwardingStage, T> question)
    {
        final AtomicReference<T> answer = new AtomicReference<>();
        ensureOpen();
        apply(what, (stage, sequence) -> answer.set(question.apply(stage)));
        return answer.get();
    }

    /**
     * The one path of every change: offers {@code command} to the forwarding stage's queue, wakes
     * the pipeline, and waits until {@code done} completes. A command that throws completes
     * {@code done} with its exception, which the caller gets back with what was being done.
     */
    private synchronized void offerAndAwait(final String what, final CompletableFuture<Void> done, final ForwardingCommand command)
    {
        ensureOpen();
        final ForwardingCommand refusable = (stage, sequence) ->
        {
            try
            {
                command.apply(stage, sequence);
            }
            catch (final RuntimeException ex)
            {
                done.completeExceptionally(ex);
            }
        };
        while (!commands.offer(refusable))
        {
            Thread.onSpinWait();
        }
        pipeline.wake();
        await(done, what);
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
}
