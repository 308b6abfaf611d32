package io.lanyard.perf;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * The overlay scenario's interop figures: TCP between a container on Lanyard's overlay and one
 * behind a Linux kernel VXLAN VTEP that the overlay network names as a static peer
 * ({@code --opt com.lanyard.overlay.static_peers=192.0.2.21}), both ways, beside the same
 * between two kernel VTEPs on the same underlay — Lanyard's own ({@link LanyardOverlay}), its
 * offloads at their defaults. Each kernel VTEP is a {@link LinuxOverlay#kernelVtep}: no
 * learning, and one static default FDB entry ({@code bridge fdb append 00:00:00:00:00:00 dev
 * vx0 dst REMOTE}), so each sends every frame to its one remote VTEP.
 *
 * <pre>
 *   PREFIX-ul (Lanyard's underlay)
 *     ├── 192.0.2.11  PREFIX-h1: lanyardd ─ TAP ─ PREFIX-h1-c3 on perfki (VNI 5001, static peer 192.0.2.21)
 *     ├── 192.0.2.21  PREFIX-kh0: vx0 (VNI 5001 → 192.0.2.11) ─ br0 ─ PREFIX-kc0 (eth0 10.31.0.200/24)
 *     ├── 192.0.2.22  PREFIX-kh1: vx0 (VNI 5002 → 192.0.2.23) ─ br0 ─ PREFIX-kc1 (eth0 10.32.0.2/24)
 *     └── 192.0.2.23  PREFIX-kh2: vx0 (VNI 5002 → 192.0.2.22) ─ br0 ─ PREFIX-kc2 (eth0 10.32.0.3/24)
 * </pre>
 *
 * <p>The client runs on Lanyard's container ({@code kc1} for the peer) and the server behind
 * the kernel VTEP ({@code kc0}, {@code kc2}): "out" is the client sending, "back" the server
 * ({@code -R}). A path that does not carry TCP is a failed cell ("no connection"), not an abort:
 * the warm-up ping may fail too, and the run carries on.
 */
final class OverlayInterop
{
    static final String LABEL = "Lanyard-kernel";
    static final String PEER_LABEL = "kernel-kernel";
    static final String NAME = "overlay-interop";
    static final String NETWORK = "perfki";
    static final String SUBNET = "10.31.0.0/24";
    static final int VNI = 5001;
    static final int PEER_VNI = 5002;
    static final String KERNEL_PEER = "192.0.2.21";
    static final String SANDBOX = "c3";
    private static final String KERNEL_CONTAINER = "10.31.0.200";
    private static final String PEER_SUBNET = "10.32.0.";
    private static final String NO_IPV6 = "net.ipv6.conf.all.disable_ipv6=1";
    private static final String NO_IPV6_DEFAULT = "net.ipv6.conf.default.disable_ipv6=1";

    /** What one side measured in a round: TCP from the client and, with {@code -R}, back from the server. */
    record Side(TcpThroughput.Result out, TcpThroughput.Result back)
    {
    }

    static final List<Report.Metric<Side>> METRICS = List.of(
        Report.Metric.ofRun("TCP out (Gbit/s)", "tcpOutGbps", Side::out, TcpThroughput.Result::gbps, Report.Better.HIGHER, "%.2f")
            .perRound("out %.2f Gbit/s"),
        Report.Metric.ofRun("TCP out retransmits", "tcpOutRetransmits", Side::out, TcpThroughput.Result::retransmits,
            Report.Better.NEITHER, "%.0f"),
        Report.Metric.ofRun("TCP back, -R (Gbit/s)", "tcpBackGbps", Side::back, TcpThroughput.Result::gbps, Report.Better.HIGHER, "%.2f")
            .perRound("back %.2f Gbit/s"),
        Report.Metric.ofRun("TCP back retransmits", "tcpBackRetransmits", Side::back, TcpThroughput.Result::retransmits,
            Report.Better.NEITHER, "%.0f"));

    private final Endpoints lanyard;
    private final Endpoints peer;

    private OverlayInterop(final Endpoints lanyard, final Endpoints peer)
    {
        this.lanyard = lanyard;
        this.peer = peer;
    }

    /**
     * Makes network {@value #NETWORK} with its static peer and sandbox {@value #SANDBOX} on the
     * overlay's first host, then the kernel VTEPs on its underlay (the peer only once the VNI
     * exists on Lanyard's side, so its first frames are not unknown-VNI drops).
     */
    static OverlayInterop build(final Workspace workspace, final LanyardOverlay overlay)
    {
        final JsonNode sandbox = overlay.addNetwork(workspace, NETWORK, SUBNET, networkOptions(), SANDBOX);
        final Underlay underlay = overlay.underlay();
        final String kernelContainer = LinuxOverlay.kernelVtep(workspace, underlay.addHost(workspace, "kh0", KERNEL_PEER), VNI,
            List.of(underlay.hosts().get(0).address()), "kc0", KERNEL_CONTAINER);
        final Endpoints lanyard = new Endpoints(LABEL, sandbox.path("Netns").asText(), kernelContainer, KERNEL_CONTAINER,
            LanyardDaemon.address(sandbox, NETWORK));

        final Underlay.Host first = underlay.addHost(workspace, "kh1", kernelPeerHost(0));
        final Underlay.Host second = underlay.addHost(workspace, "kh2", kernelPeerHost(1));
        final String client = LinuxOverlay.kernelVtep(workspace, first, PEER_VNI, List.of(second.address()), "kc1", PEER_SUBNET + 2);
        final String server = LinuxOverlay.kernelVtep(workspace, second, PEER_VNI, List.of(first.address()), "kc2", PEER_SUBNET + 3);
        for (final String netns : List.of(kernelContainer, client, server))
        {
            // no IPv6 chatter from the kernel side, as from Lanyard's IPv4-only sandboxes
            Exec.check(Workspace.inNamespace(netns, List.of("sysctl", "-qw", NO_IPV6, NO_IPV6_DEFAULT)));
        }
        return new OverlayInterop(lanyard, new Endpoints(PEER_LABEL, client, server, PEER_SUBNET + 3, PEER_SUBNET + 2));
    }

    /** The driver options of {@value #NETWORK}: the kernel VTEP as static peer, and its VNI. */
    static Map<String, String> networkOptions()
    {
        return Map.of("com.lanyard.overlay.static_peers", KERNEL_PEER,
            "com.docker.network.driver.overlay.vxlanid_list", Integer.toString(VNI));
    }

    /** The underlay address of the kernel-kernel pair's host with this 0-based index: 192.0.2.22, 192.0.2.23. */
    static String kernelPeerHost(final int index)
    {
        return "192.0.2." + (22 + index);
    }

    /** Lanyard's container to the container behind the kernel VTEP that is its static peer. */
    Endpoints lanyard()
    {
        return lanyard;
    }

    /** A container behind one kernel VTEP to one behind another, on the same underlay. */
    Endpoints peer()
    {
        return peer;
    }

    /**
     * One side's two TCP runs, on the server of its endpoints; failures are the result's.
     */
    static Side measure(final Iperf3.Server server, final int seconds)
    {
        return new Side(TcpThroughput.measure(server, seconds, 1, false), TcpThroughput.measure(server, seconds, 1, true));
    }

    /** The section's title line. */
    static String description()
    {
        final StringBuilder options = new StringBuilder();
        networkOptions().entrySet().stream().sorted(Map.Entry.comparingByKey())
            .forEach(option -> options.append(" --opt ").append(option.getKey()).append('=').append(option.getValue()));
        return "a container on Lanyard's overlay and one behind a kernel VXLAN VTEP it names as static peer (lanyard network create " +
            "--driver overlay --subnet " + SUBNET + options + " " + NETWORK + "), vs two kernel VTEPs, on one underlay, offloads at their defaults";
    }

    /** How the section was measured, under its title. */
    static String method(final int seconds)
    {
        return "iperf3, " + seconds + " s, 1 stream, receiver rate; out: " + SANDBOX + " (kc1) sends to kc0 (kc2) behind the kernel VTEP, " +
            "back: the same with -R; a failed run is shown, not fatal";
    }
}
