package io.lanyard.perf;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LanyardOverlayTest
{
    @Test
    void shouldAskForTheOverlayNetworkAsTheCliDoes()
    {
        final JsonNode request = Json.MAPPER.valueToTree(LanyardOverlay.networkCreateRequest(LanyardOverlay.NETWORK, LanyardOverlay.SUBNET,
            Map.of()));

        assertEquals("perfnet", request.path("Name").asText());
        assertEquals("overlay", request.path("Driver").asText());
        assertEquals("10.30.0.0/24", request.path("IPAM").path("Config").path(0).path("Subnet").asText());
        assertEquals(1, request.path("IPAM").path("Config").size());
        assertEquals(false, request.path("Attachable").asBoolean(true));
        assertEquals(0, request.path("Options").size());
    }

    @Test
    void shouldNameTheKernelVtepAsTheInteropNetworksStaticPeerWithItsVni()
    {
        final JsonNode request = Json.MAPPER.valueToTree(LanyardOverlay.networkCreateRequest(OverlayInterop.NETWORK, OverlayInterop.SUBNET,
            OverlayInterop.networkOptions()));

        assertEquals("perfki", request.path("Name").asText());
        assertEquals("overlay", request.path("Driver").asText());
        assertEquals("10.31.0.0/24", request.path("IPAM").path("Config").path(0).path("Subnet").asText());
        assertEquals("192.0.2.21", request.path("Options").path("com.lanyard.overlay.static_peers").asText());
        assertEquals("5001", request.path("Options").path("com.docker.network.driver.overlay.vxlanid_list").asText());
        assertEquals(2, request.path("Options").size());
        assertTrue(OverlayInterop.description().contains("lanyard network create --driver overlay --subnet 10.31.0.0/24 " +
            "--opt com.docker.network.driver.overlay.vxlanid_list=5001 --opt com.lanyard.overlay.static_peers=192.0.2.21 perfki"),
            OverlayInterop.description());
    }

    @Test
    void shouldPutTheKernelVtepsOnAddressesOfTheirOwnOnTheUnderlay()
    {
        final List<String> addresses = List.of(Underlay.hostAddress(0), Underlay.hostAddress(1), OverlayInterop.KERNEL_PEER,
            OverlayInterop.kernelPeerHost(0), OverlayInterop.kernelPeerHost(1));

        assertEquals(List.of("192.0.2.11", "192.0.2.12", "192.0.2.21", "192.0.2.22", "192.0.2.23"), addresses);
        assertNotEquals(OverlayInterop.VNI, OverlayInterop.PEER_VNI);
    }

    @Test
    void shouldStartEachDaemonWithTheStoreItsOwnAddressAndTheVxlanPort()
    {
        assertEquals(List.of("--store", "etcd://192.0.2.11:2379", "--advertise-addr", "192.0.2.12", "--vxlan-port", "4789"),
            LanyardOverlay.overlayFlags("etcd://192.0.2.11:2379", Underlay.hostAddress(1)));
    }

    @Test
    void shouldReadTheMtuFromIpLinkShow()
    {
        final String output = "7: eth0@if8: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP mode DEFAULT " +
            "group default qlen 1000\\    link/ether 02:42:0a:1e:00:02 brd ff:ff:ff:ff:ff:ff link-netns lyp1234-h1\n";

        assertEquals(1450, LanyardOverlay.mtu(output));
        assertEquals(-1, LanyardOverlay.mtu("Device \"eth0\" does not exist.\n"));
    }

    @Test
    void shouldLeaveFiftyBytesOfTheUnderlayForVxlan()
    {
        assertEquals(1450, Underlay.OVERLAY_MTU);
        assertEquals("192.0.2.11", Underlay.hostAddress(0));
    }
}
