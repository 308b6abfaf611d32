package io.lanyard.control.api;

import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.ports.PortBinding;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A sandbox as one row of Docker's container list: its state, its human status, and its network settings. */
class ContainerRowTest
{
    private static final Instant CREATED = Instant.parse("2025-03-01T12:00:00Z");
    private static final Network APP = new Network("a".repeat(64), "app", Network.DRIVER_BRIDGE, Network.SCOPE_LOCAL, CREATED,
        false, false, List.of(new IpamPool("10.80.0.0/24", "10.80.0.1", null, Map.of())), Map.of(), Map.of());
    private static final Endpoint ENDPOINT = new Endpoint("e".repeat(64), APP.id(), "eth0", "10.80.0.2", 24, "02:42:0a:50:00:02",
        List.of("db"), null);

    private static Sandbox sandbox(final String state, final List<String> command, final Long pid, final Integer exitCode)
    {
        return new Sandbox("c".repeat(64), "c1", "/run/netns/ext", CREATED, state, command, pid, pid == null ? null : 1L, exitCode,
            List.of(ENDPOINT), List.of(new PortBinding("", 8080, 80, "tcp")), List.of(), List.of());
    }

    private static ContainerRow row(final Sandbox sandbox, final boolean running)
    {
        return new ContainerRow(sandbox, running, Map.of(APP.id(), APP));
    }

    @Test
    void shouldCallASandboxWithoutACommandRunningForAsLongAsItExists()
    {
        final ContainerRow row = row(sandbox(Sandbox.READY, List.of(), null, null), false);

        assertEquals("running", row.state());
        assertEquals("Up 5 minutes", row.status(CREATED.plus(Duration.ofMinutes(5))));
    }

    @Test
    void shouldCallASandboxWhoseCommandExitedExitedWithItsCode()
    {
        assertEquals("exited", row(sandbox(Sandbox.READY, List.of("true"), 42L, 3), false).state());
        assertEquals("Exited (3)", row(sandbox(Sandbox.READY, List.of("true"), 42L, 3), false).status(CREATED));
        assertEquals("Exited", row(sandbox(Sandbox.READY, List.of("true"), 42L, null), false).status(CREATED));
        assertEquals("running", row(sandbox(Sandbox.READY, List.of("sleep", "9"), 42L, null), true).state());
        assertEquals("created", row(sandbox(Sandbox.CREATING, List.of(), null, null), false).state());
        assertEquals("removing", row(sandbox(Sandbox.REMOVING, List.of(), null, null), false).state());
    }

    @Test
    void shouldShowDockersFieldsWithTheEndpointUnderItsNetworksName()
    {
        final Map<String, Object> view = row(sandbox(Sandbox.READY, List.of("sleep", "9"), 42L, null), true).view(CREATED);

        assertEquals(List.of("Id", "Names", "Image", "ImageID", "Command", "Created", "Ports", "Labels", "State", "Status",
            "HostConfig", "NetworkSettings", "Mounts"), List.copyOf(view.keySet()));
        assertEquals(List.of("/c1"), view.get("Names"));
        assertEquals("sleep 9", view.get("Command"));
        assertEquals(CREATED.getEpochSecond(), view.get("Created"));
        assertEquals(Map.of("NetworkMode", "app"), view.get("HostConfig"));
        assertEquals(List.of(Map.of("IP", "0.0.0.0", "PrivatePort", 80, "PublicPort", 8080, "Type", "tcp")), view.get("Ports"));
        @SuppressWarnings("unchecked")
        final Map<String, Object> settings = ((Map<String, Map<String, Object>>)view.get("NetworkSettings")).get("Networks");
        @SuppressWarnings("unchecked")
        final Map<String, Object> app = (Map<String, Object>)settings.get("app");
        assertEquals("10.80.0.2", app.get("IPAddress"));
        assertEquals(24, app.get("IPPrefixLen"));
        assertEquals("10.80.0.1", app.get("Gateway"));
        assertEquals("02:42:0a:50:00:02", app.get("MacAddress"));
        assertEquals(APP.id(), app.get("NetworkID"));
        assertEquals(ENDPOINT.id(), app.get("EndpointID"));
        assertEquals(List.of("db"), app.get("Aliases"));
    }

    @Test
    void shouldListNoNetworkForTheGatewayEndpointOfASandboxOnAnOverlayAsDockerListsNoDockerGwbridge()
    {
        final Network overlay = new Network("b".repeat(64), "ov", Network.DRIVER_OVERLAY, Network.SCOPE_GLOBAL, CREATED, false, false,
            List.of(new IpamPool("10.0.0.0/24", "10.0.0.1", null, Map.of())), Map.of(Network.OPTION_VXLAN_ID, "4096"), Map.of());
        final Network gatewayBridge = new Network("d".repeat(64), Network.GATEWAY_BRIDGE, Network.DRIVER_BRIDGE, Network.SCOPE_LOCAL,
            CREATED, false, false, List.of(new IpamPool("172.18.0.0/16", "172.18.0.1", null, Map.of())), Map.of(), Map.of());
        final Endpoint onOverlay = new Endpoint("1".repeat(64), overlay.id(), "eth0", "10.0.0.2", 24, "02:42:0a:00:00:02", List.of(), null);
        final Endpoint gateway = new Endpoint("2".repeat(64), gatewayBridge.id(), "eth1", "172.18.0.2", 16, "02:42:ac:12:00:02",
            List.of(), null);
        final Sandbox sandbox = new Sandbox("c".repeat(64), "c1", "lanyard-c1", CREATED, Sandbox.READY, List.of(), null, null, null,
            List.of(onOverlay, gateway));
        final ContainerRow row = new ContainerRow(sandbox, true, Map.of(overlay.id(), overlay, gatewayBridge.id(), gatewayBridge));

        @SuppressWarnings("unchecked")
        final Map<String, Object> settings = ((Map<String, Map<String, Object>>)row.view(CREATED).get("NetworkSettings")).get("Networks");

        assertEquals(List.of(onOverlay), row.endpoints());
        assertEquals(List.of("ov"), List.copyOf(settings.keySet()));
    }

    @Test
    void shouldWordDurationsAsDockersHumanDuration()
    {
        assertEquals("Less than a second", ContainerRow.humanDuration(Duration.ofMillis(400)));
        assertEquals("1 second", ContainerRow.humanDuration(Duration.ofSeconds(1)));
        assertEquals("59 seconds", ContainerRow.humanDuration(Duration.ofSeconds(59)));
        assertEquals("About a minute", ContainerRow.humanDuration(Duration.ofSeconds(119)));
        assertEquals("59 minutes", ContainerRow.humanDuration(Duration.ofMinutes(59)));
        assertEquals("About an hour", ContainerRow.humanDuration(Duration.ofMinutes(89)));
        assertEquals("2 hours", ContainerRow.humanDuration(Duration.ofMinutes(90)));
        assertEquals("2 days", ContainerRow.humanDuration(Duration.ofHours(48)));
        assertEquals("2 weeks", ContainerRow.humanDuration(Duration.ofDays(14)));
        assertEquals("2 months", ContainerRow.humanDuration(Duration.ofDays(60)));
        assertEquals("2 years", ContainerRow.humanDuration(Duration.ofDays(800)));
    }
}
