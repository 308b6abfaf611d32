package io.lanyard.client.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NetworkCreateRequestTest
{
    private static JsonNode json(final String text) throws IOException
    {
        return Json.MAPPER.readTree(text);
    }

    private static String refusal(final String body)
    {
        return assertThrows(InvalidRequestException.class, () -> NetworkCreateRequest.fromJson(json(body))).getMessage();
    }

    @Test
    void shouldWriteDockersNetworkCreateRequestWithOnlyTheIpamFieldsGiven() throws IOException
    {
        final NetworkCreateRequest request = new NetworkCreateRequest("office", "bridge", List.of(
            new IpamConfig("10.10.0.0/16", "10.10.0.254", "10.10.5.0/24", Map.of("printer", "10.10.0.5")),
            new IpamConfig("192.168.50.0/24", null, null, Map.of())), true, false, Map.of("com.docker.network.driver.mtu", "1400"),
            Map.of());

        assertEquals(json("{\"Name\":\"office\",\"Driver\":\"bridge\",\"IPAM\":{\"Driver\":\"default\",\"Config\":[" +
            "{\"Subnet\":\"10.10.0.0/16\",\"Gateway\":\"10.10.0.254\",\"IPRange\":\"10.10.5.0/24\"," +
            "\"AuxiliaryAddresses\":{\"printer\":\"10.10.0.5\"}},{\"Subnet\":\"192.168.50.0/24\"}]}," +
            "\"Internal\":true,\"Attachable\":false,\"Options\":{\"com.docker.network.driver.mtu\":\"1400\"},\"Labels\":{}}"),
            Json.MAPPER.valueToTree(request));
    }

    @Test
    void shouldReadBackWhatItWrites()
    {
        final NetworkCreateRequest request = new NetworkCreateRequest("n", "overlay",
            List.of(new IpamConfig("10.30.0.0/24", null, "10.30.0.128/25", Map.of("a", "10.30.0.5", "b", "10.30.0.6"))), false, true,
            Map.of("o", "v"), Map.of("tier", "web"));

        assertEquals(request, NetworkCreateRequest.fromJson(request.toJson()));
    }

    @Test
    void shouldAskForOneSubnetAsTheCliDoesForASingleSubnet()
    {
        assertEquals(new NetworkCreateRequest("perfnet", "overlay", List.of(new IpamConfig("10.30.0.0/24", null, null, null)), false,
            false, Map.of(), Map.of()), NetworkCreateRequest.withSubnet("perfnet", "overlay", "10.30.0.0/24"));
    }

    @Test
    void shouldReadAMinimalRequestWithEverythingElseAbsent() throws IOException
    {
        assertEquals(new NetworkCreateRequest("n", null, List.of(), false, false, Map.of(), Map.of()),
            NetworkCreateRequest.fromJson(json("{\"Name\":\"n\",\"IPAM\":{\"Driver\":\"default\"}}")));
    }

    @Test
    void shouldRefuseFieldsOfTheWrongTypeWithTheirNames()
    {
        assertEquals("IPAM.Config must be an array", refusal("{\"IPAM\":{\"Config\":\"10.1.0.0/16\"}}"));
        assertEquals("Subnet must be a string", refusal("{\"IPAM\":{\"Config\":[{\"Subnet\":1}]}}"));
        assertEquals("AuxiliaryAddresses must be an object of strings", refusal("{\"IPAM\":{\"Config\":[{\"AuxiliaryAddresses\":[]}]}}"));
        assertEquals("Options.mtu must be a string", refusal("{\"Options\":{\"mtu\":1500}}"));
        assertEquals("Labels must be an object of strings", refusal("{\"Labels\":\"x\"}"));
    }

    @Test
    void shouldRefuseIpv6AfterTheIpamConfigurationAndBeforeTheOtherFields()
    {
        assertEquals("IPv6 networks are not supported", refusal("{\"EnableIPv6\":true,\"Name\":5}"));
        assertEquals("IPAM.Config must be an array", refusal("{\"EnableIPv6\":true,\"IPAM\":{\"Config\":{}}}"));
    }
}
