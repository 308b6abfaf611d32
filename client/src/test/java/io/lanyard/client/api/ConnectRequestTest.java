package io.lanyard.client.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConnectRequestTest
{
    private static JsonNode json(final String text) throws IOException
    {
        return Json.MAPPER.readTree(text);
    }

    @Test
    void shouldWriteDockersNetworkConnectRequest() throws IOException
    {
        assertEquals(json("{\"Container\":\"c1\",\"EndpointConfig\":{\"IPAMConfig\":{\"IPv4Address\":\"10.1.0.9\"},\"Aliases\":[\"db\"]}}"),
            Json.MAPPER.valueToTree(new ConnectRequest("c1", "10.1.0.9", List.of("db"))));
        assertEquals(json("{\"Container\":\"c1\",\"EndpointConfig\":{\"Aliases\":[]}}"),
            Json.MAPPER.valueToTree(new ConnectRequest("c1", null, null)));
        assertEquals(json("{\"Container\":\"c1\"}"), Json.MAPPER.valueToTree(new DisconnectRequest("c1")));
        final ConnectRequest relaxed = new ConnectRequest("c1", null, null, java.util.Map.of("com.lanyard.port_security", "false"));
        assertEquals(json("{\"Container\":\"c1\",\"EndpointConfig\":{\"Aliases\":[],\"DriverOpts\":{\"com.lanyard.port_security\":\"false\"}}}"),
            Json.MAPPER.valueToTree(relaxed));
        assertEquals(relaxed, ConnectRequest.fromJson(Json.MAPPER.valueToTree(relaxed)));
    }

    @Test
    void shouldReadBackWhatItWrites()
    {
        final ConnectRequest request = new ConnectRequest("c1", "10.1.0.9", List.of("db", "store"));

        assertEquals(request, ConnectRequest.fromJson(request.toJson()));
        assertEquals(new DisconnectRequest("c1"), DisconnectRequest.fromJson(new DisconnectRequest("c1").toJson()));
    }

    @Test
    void shouldIgnoreAnAddressOutsideAnIpamConfigObject() throws IOException
    {
        assertNull(ConnectRequest.fromJson(json("{\"Container\":\"c1\",\"EndpointConfig\":{\"IPAMConfig\":\"10.1.0.9\"}}")).ipv4Address());
    }

    @Test
    void shouldRequireAContainerBeforeReadingTheEndpoint() throws IOException
    {
        assertEquals("a container (sandbox) to connect is required", assertThrows(InvalidRequestException.class,
            () -> ConnectRequest.fromJson(json("{\"Container\":\"\",\"EndpointConfig\":{\"Aliases\":5}}"))).getMessage());
        assertEquals("a container (sandbox) to disconnect is required", assertThrows(InvalidRequestException.class,
            () -> DisconnectRequest.fromJson(json("{}"))).getMessage());
        assertEquals("Container must be a string", assertThrows(InvalidRequestException.class,
            () -> DisconnectRequest.fromJson(json("{\"Container\":5}"))).getMessage());
    }
}
