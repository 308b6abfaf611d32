package io.lanyard.tools;

import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Several test "hosts" on one underlay, with etcd as their cluster store: the topology of the
 * overlay tests.
 *
 * <pre>
 *   PREFIX-ul: br0 192.0.2.1/24, etcd on 192.0.2.1:2379
 *     ├── veth ── eth0 192.0.2.11/24  host 1 (lanyardd --store etcd://192.0.2.1:2379 --advertise-addr 192.0.2.11)
 *     ├── veth ── eth0 192.0.2.12/24  host 2
 *     └── ...
 * </pre>
 *
 * <p>Every namespace is made by the test (the root namespace never sees a device of it); etcd
 * runs inside the underlay namespace, started and ended by PID. {@link #close()} stops the
 * daemons and etcd and removes every namespace, device and file, also after a failure.
 */
final class OverlayTestbed implements AutoCloseable
{
    static final String UNDERLAY_GATEWAY = "192.0.2.1";
    static final String STORE = "etcd://" + UNDERLAY_GATEWAY + ":2379";
    /** Short, so the tests see a dead host withdrawn quickly; the daemon's default is 15 s. */
    static final int STORE_TTL_SECONDS = 5;

    final Namespaces underlay;
    final String underlayNetns;
    final List<LanyardHost> hosts = new ArrayList<>();
    private final Path etcdDir;
    private Process etcd;
    private int links;

    OverlayTestbed(final String label)
    {
        underlay = new Namespaces(label);
        try
        {
            underlayNetns = underlay.add("ul");
            etcdDir = Files.createTempDirectory("lanyard-etcd-" + underlay.prefix());
            inUnderlay("ip", "link", "set", "lo", "up").assertOk();
            inUnderlay("ip", "link", "add", "br0", "type", "bridge").assertOk();
            inUnderlay("sysctl", "-qw", "net.ipv6.conf.br0.disable_ipv6=1").assertOk();
            inUnderlay("ip", "addr", "add", UNDERLAY_GATEWAY + "/24", "dev", "br0").assertOk();
            inUnderlay("ip", "link", "set", "br0", "up").assertOk();
            startEtcd();
        }
        catch (final IOException ex)
        {
            close();
            throw new IllegalStateException(ex);
        }
        catch (final RuntimeException | Error ex)
        {
            close();
            throw ex;
        }
    }

    /**
     * Adds host {@code n} (1, 2, ...) at 192.0.2.1n on the underlay and starts its daemon in the
     * cluster.
     */
    LanyardHost addHost(final int n, final String... flags)
    {
        return plugHost(n, flags).start();
    }

    /**
     * {@link #addHost} for a host that also has an uplink to an "outside" namespace of its own
     * ({@link LanyardHost#withUplink()}): the way out of its containers.
     */
    LanyardHost addHostWithUplink(final int n, final String... flags)
    {
        return plugHost(n, flags).withUplink().start();
    }

    private LanyardHost plugHost(final int n, final String... flags)
    {
        final String address = address(n);
        final List<String> all = new ArrayList<>(List.of("--store", STORE, "--advertise-addr", address, "--node-name", "host" + n,
            "--store-ttl", Integer.toString(STORE_TTL_SECONDS)));
        all.addAll(List.of(flags));
        final LanyardHost host = new LanyardHost("ovh" + n,
            all.toArray(String[]::new));
        hosts.add(host);
        plug(host.hostNetns, "eth0", address);
        return host;
    }

    /**
     * Plugs namespace {@code netns} into the underlay bridge through a veth whose inside end is
     * {@code device} with {@code address}/24 (made inside the underlay, moved straight in).
     */
    void plug(final String netns, final String device, final String address)
    {
        final String outside = "ul" + (++links);
        inUnderlay("ip", "link", "add", outside, "type", "veth", "peer", "name", device, "netns", netns).assertOk();
        inUnderlay("ip", "link", "set", outside, "master", "br0", "up").assertOk();
        Shell.check("ip", "netns", "exec", netns, "sysctl", "-qw", "net.ipv6.conf." + device + ".disable_ipv6=1");
        Shell.check("ip", "-n", netns, "addr", "add", address + "/24", "dev", device);
        Shell.check("ip", "-n", netns, "link", "set", device, "up");
        Shell.check("ip", "-n", netns, "link", "set", "lo", "up");
    }

    static String address(final int n)
    {
        return "192.0.2.1" + n;
    }

    Shell.Result inUnderlay(final String... command)
    {
        return underlay.exec(underlayNetns, command);
    }

    /** SIGKILL etcd: the store is gone; its data stays for {@link #startEtcd()}. */
    void killEtcd()
    {
        etcd.destroyForcibly();
        try
        {
            etcd.waitFor();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts etcd (again, on its data) in the underlay namespace and waits until it accepts connections. */
    void startEtcd()
    {
        final String peer = "http://127.0.0.1:2380";
        final String client = "http://" + UNDERLAY_GATEWAY + ":2379";
        etcd = underlay.spawn(underlayNetns, etcdDir.resolve("etcd.log"), "etcd", "--name", "lanyard-test",
            "--data-dir", etcdDir.resolve("data").toString(), "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "lanyard-test=" + peer);
        final boolean up = LanyardHost.eventually(Duration.ofSeconds(20), () -> !etcd.isAlive() ||
            inUnderlay("bash", "-c", "exec 3<>/dev/tcp/" + UNDERLAY_GATEWAY + "/2379").status() == 0);
        if (!up || !etcd.isAlive())
        {
            throw new AssertionError("etcd did not start:\n" + LanyardHost.readQuietly(etcdDir.resolve("etcd.log")));
        }
    }

    @Override
    public void close()
    {
        for (final LanyardHost host : hosts)
        {
            try
            {
                host.close();
            }
            catch (final RuntimeException ex)
            {
                // the others still need closing
            }
        }
        if (etcd != null && etcd.isAlive())
        {
            killEtcd();
        }
        underlay.close();
        if (etcdDir != null)
        {
            Namespaces.deleteTree(etcdDir);
        }
    }
}
