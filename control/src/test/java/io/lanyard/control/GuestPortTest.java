package io.lanyard.control;

import io.lanyard.client.api.PortCreateRequest;
import io.lanyard.control.model.GuestPort;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.model.State;
import io.lanyard.tap.NamespaceThread;
import io.lanyard.testkit.Namespaces;
import io.lanyard.testkit.Privileges;
import io.lanyard.testkit.Shell;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static io.lanyard.control.RefusalAssertions.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code lanyard port create/rm} through the façade: the control plane's calls run on a thread
 * inside a namespace of the test's own, standing for the daemon's, so the TAPs are made there.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GuestPortTest
{
    @TempDir
    Path tempDir;

    private Namespaces namespaces;
    private NamespaceThread namespaceThread;
    private Path daemonNetns;
    private final List<ControlPlaneFixture> started = new ArrayList<>();

    @BeforeEach
    void setUp()
    {
        Privileges.requireNetAdmin("ip");
        namespaces = new Namespaces("gp");
        namespaceThread = new NamespaceThread();
        daemonNetns = Path.of("/run/netns", namespaces.add("d"));
    }

    @AfterEach
    void tearDown()
    {
        started.forEach(ControlPlaneFixture::close);
        if (namespaceThread != null)
        {
            namespaceThread.close();
        }
        if (namespaces != null)
        {
            namespaces.close();
        }
    }

    private <T> T inside(final Callable<T> task)
    {
        return namespaceThread.call(daemonNetns, task);
    }

    /** A daemon start on the state every start shares, restored inside the daemon's namespace. */
    private ControlPlaneFixture start(final String name)
    {
        final ControlPlaneFixture fixture = new ControlPlaneFixture(tempDir.resolve(name), tempDir.resolve("state"), true);
        started.add(fixture);
        inside(() ->
        {
            fixture.control().restore(fixture.store().load());
            return null;
        });
        return fixture;
    }

    private static Network vms(final ControlPlaneFixture fixture)
    {
        return fixture.control().createNetwork(NetworkRequest.named("vms").subnet("10.90.0.0/24").build());
    }

    private GuestPort create(final ControlPlaneFixture fixture, final String name, final String mac, final String ip, final String user)
    {
        return inside(() -> fixture.control().createPort(new PortCreateRequest(name, "vms", mac, ip, user)));
    }

    private String link(final String name)
    {
        return Shell.run(List.of("ip", "-d", "-n", daemonNetns.getFileName().toString(), "link", "show", name)).output();
    }

    private boolean exists(final String name)
    {
        return Shell.run(List.of("ip", "-n", daemonNetns.getFileName().toString(), "link", "show", name)).status() == 0;
    }

    @Test
    void shouldMakeAnOwnedTapWithTheNextFreeAddressAndKeepItOnTheSwitchOverARestart()
    {
        final ControlPlaneFixture first = start("first");
        vms(first);

        final GuestPort port = create(first, "vm0", null, null, "1234");

        assertEquals("10.90.0.2", port.endpoint().ipv4Address());
        assertEquals(24, port.endpoint().prefixLength());
        assertEquals("02:42:0a:5a:00:02", port.endpoint().macAddress());
        assertEquals(Sandbox.READY, port.state());
        final String details = link("vm0");
        assertTrue(details.contains("persist on") && details.contains("user 1234") && details.contains("NOARP"), details);
        assertTrue(first.control().daemonPorts().values().stream().anyMatch(p -> p[0].equals("vm0") && p[1].equals("vms")),
            "a switch port of the network");

        first.close();
        started.remove(first);
        assertTrue(exists("vm0"), "the TAP outlives the daemon, for its monitor");
        final ControlPlaneFixture second = start("second");

        assertEquals(List.of(port), second.control().guestPorts());
        assertTrue(second.control().daemonPorts().values().stream().anyMatch(p -> p[0].equals("vm0")), "back on the switch");
        assertEquals("10.90.0.3", create(second, "vm1", "02:00:00:00:00:01", null, null).endpoint().ipv4Address(),
            "the restored port's address stays taken");
    }

    @Test
    void shouldMakeTheTapAgainWhenItWentWhileTheDaemonWasDown()
    {
        final ControlPlaneFixture first = start("first");
        vms(first);
        create(first, "vm0", "02:00:00:00:00:07", "10.90.0.7", "4321");
        first.close();
        started.remove(first);
        Shell.check("ip", "-n", daemonNetns.getFileName().toString(), "link", "delete", "vm0");

        final ControlPlaneFixture second = start("second");

        assertTrue(link("vm0").contains("user 4321"), link("vm0"));
        assertEquals("02:00:00:00:00:07", second.control().guestPorts().get(0).endpoint().macAddress());
    }

    @Test
    void shouldRemoveThePortItsTapAndItsAddress()
    {
        final ControlPlaneFixture fixture = start("one");
        vms(fixture);
        create(fixture, "vm0", null, null, null);

        inside(() ->
        {
            fixture.control().removePort("vm0");
            return null;
        });

        assertFalse(exists("vm0"));
        assertEquals(List.of(), fixture.control().guestPorts());
        assertEquals(List.of(), fixture.store().load().ports());
        assertEquals("10.90.0.2", create(fixture, "vm1", null, null, null).endpoint().ipv4Address(), "the address is free again");
        assertRefused(fixture, 404, "No such port: vm0", () -> inside(() ->
        {
            fixture.control().removePort("vm0");
            return null;
        }));
    }

    @Test
    void shouldRefuseWithOneMessageAndChangeNothing()
    {
        final ControlPlaneFixture fixture = start("one");
        final Network vms = vms(fixture);
        create(fixture, "vm0", null, "10.90.0.9", null);
        Shell.check("ip", "-n", daemonNetns.getFileName().toString(), "link", "add", "taken0", "type", "veth", "peer", "name", "taken1");

        refused(fixture, 404, "network nope not found", new PortCreateRequest("vm1", "nope", null, null, null));
        refused(fixture, 403, "cannot give a VM a port on the host network (driver host): only bridge networks take VM ports",
            new PortCreateRequest("vm1", "host", null, null, null));
        refused(fixture, 403, "cannot give a VM a port on the none network (driver null): only bridge networks take VM ports",
            new PortCreateRequest("vm1", "none", null, null, null));
        refused(fixture, 409, "port vm0 already exists", new PortCreateRequest("vm0", "vms", null, null, null));
        refused(fixture, 409, "an interface named taken0 already exists in the daemon's network namespace",
            new PortCreateRequest("taken0", "vms", null, null, null));
        refused(fixture, 400, "invalid TAP name \"sixteen-chars-xx\": 1 to 15 of [a-zA-Z0-9_.-]",
            new PortCreateRequest("sixteen-chars-xx", "vms", null, null, null));
        refused(fixture, 400, "invalid MAC address: 02:00:zz:00:00:01", new PortCreateRequest("vm1", "vms", "02:00:zz:00:00:01", null, null));
        refused(fixture, 400, "invalid MAC address: 01:00:5e:00:00:01 (a guest needs a unicast address)",
            new PortCreateRequest("vm1", "vms", "01:00:5e:00:00:01", null, null));
        refused(fixture, 409, "MAC address 02:42:0a:5a:00:09 is already in use on network vms",
            new PortCreateRequest("vm1", "vms", "02:42:0A:5A:00:09", null, null));
        refused(fixture, 409, "MAC address 02:42:0a:5a:00:01 is the one Lanyard gives 10.90.0.1 on network vms: choose one not made " +
            "from an address of the network", new PortCreateRequest("vm1", "vms", "02:42:0a:5a:00:01", null, null));
        refused(fixture, 409, "MAC address 02:42:0a:5a:00:03 is the one Lanyard gives 10.90.0.3 on network vms: choose one not made " +
            "from an address of the network", new PortCreateRequest("vm1", "vms", "02:42:0a:5a:00:03", "10.90.0.4", null));
        refused(fixture, 400, "invalid IPv4 address: 10.90.0", new PortCreateRequest("vm1", "vms", null, "10.90.0", null));
        refused(fixture, 400, "no configured subnet or ip-range contain the IP address 10.91.0.5",
            new PortCreateRequest("vm1", "vms", null, "10.91.0.5", null));
        refused(fixture, 409, "Address already in use: 10.90.0.9", new PortCreateRequest("vm1", "vms", null, "10.90.0.9", null));
        refused(fixture, 400, "user-specified IP address is supported on user-defined networks only",
            new PortCreateRequest("vm1", "bridge", null, "172.17.0.9", null));
        for (final String user : List.of("-1", "root", "2147483648"))
        {
            refused(fixture, 400, "invalid user \"" + user + "\": a numeric user ID from 0 to 2147483647",
                new PortCreateRequest("vm1", "vms", null, null, user));
        }
        assertRefused(fixture, 409, "error while removing network: network vms id " + vms.id() + " has active endpoints (vm0)",
            () -> fixture.control().removeNetwork("vms"));

        assertEquals(1, fixture.control().guestPorts().size());
        assertFalse(exists("vm1"));
        assertEquals("10.90.0.2", create(fixture, "vm1", null, null, null).endpoint().ipv4Address(), "no refusal took an address");
        assertEquals("02:42:0a:5a:00:07", create(fixture, "vm2", "02:42:0a:5a:00:07", "10.90.0.7", null).endpoint().macAddress(),
            "the MAC made from the guest's own address is its");
    }

    private void refused(final ControlPlaneFixture fixture, final int status, final String message, final PortCreateRequest request)
    {
        assertRefused(fixture, status, message, () -> inside(() -> fixture.control().createPort(request)));
    }

    @Test
    void shouldUndoAHalfMadePortAndFinishAHalfRemovedOneOnRestart()
    {
        final ControlPlaneFixture first = start("first");
        vms(first);
        final GuestPort made = create(first, "vm0", null, null, null);
        final GuestPort removing = create(first, "vm1", null, null, null);
        final State stored = first.store().load();
        first.close();
        started.remove(first);
        first.store().save(new State(State.CURRENT_VERSION, stored.networks(), stored.sandboxes(),
            List.of(made.withState(Sandbox.CREATING), removing.withState(Sandbox.REMOVING))));

        final ControlPlaneFixture second = start("second");

        assertEquals(List.of(), second.control().guestPorts());
        assertFalse(exists("vm0") || exists("vm1"));
        assertEquals(List.of(), second.store().load().ports());
        assertEquals("10.90.0.2", create(second, "vm2", null, null, null).endpoint().ipv4Address());
    }
}
