package io.lanyard.client.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lanyard.client.Json;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AttachRequestTest
{
    private static JsonNode json(final String text) throws IOException
    {
        return Json.MAPPER.readTree(text);
    }

    @Test
    void shouldWriteEveryFieldUnderItsKeyAndReadItBack()
    {
        final AttachRequest request = new AttachRequest("c0ffee", "/proc/42/ns/net", "front", "eth1", "10.1.0.9", List.of("www"),
            List.of("8080:80"), false, java.util.Map.of("com.lanyard.port_security", "false"));

        final JsonNode json = Json.MAPPER.valueToTree(request);

        final List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("Name", "Netns", "Network", "Interface", "IPv4Address", "Aliases", "Ports", "DriverOpts"), keys);
        assertEquals("/proc/42/ns/net", json.get("Netns").asText());
        assertEquals(request, AttachRequest.fromJson(json));
    }

    @Test
    void shouldRequireTheNameTheNamespaceTheNetworkAndTheInterface() throws IOException
    {
        final String full = "{\"Name\":\"c1\",\"Netns\":\"/run/netns/x\",\"Network\":\"n\",\"Interface\":\"eth0\"}";
        final AttachRequest request = AttachRequest.fromJson(json(full));
        assertNull(request.ipv4Address());
        assertEquals(List.of(), request.aliases());
        assertEquals(List.of(), request.ports());

        for (final String key : List.of("Name", "Netns", "Network", "Interface"))
        {
            final JsonNode missing = json(full).deepCopy();
            ((ObjectNode) missing).remove(key);
            final InvalidRequestException ex = assertThrows(InvalidRequestException.class, () -> AttachRequest.fromJson(missing));
            assertEquals(key, ex.getMessage().substring(0, key.length()), ex.getMessage());
            ((ObjectNode) missing).put(key, "");
            assertThrows(InvalidRequestException.class, () -> AttachRequest.fromJson(missing));
        }
    }

    @Test
    void shouldRefuseAFieldOfTheWrongType() throws IOException
    {
        assertThrows(InvalidRequestException.class, () -> AttachRequest.fromJson(
            json("{\"Name\":\"c1\",\"Netns\":\"/run/netns/x\",\"Network\":\"n\",\"Interface\":7}")));
        assertThrows(InvalidRequestException.class, () -> AttachRequest.fromJson(
            json("{\"Name\":\"c1\",\"Netns\":\"/run/netns/x\",\"Network\":\"n\",\"Interface\":\"e\",\"Ports\":\"80\"}")));
    }

    @Test
    void shouldDetachFromOneNetworkOrFromAll() throws IOException
    {
        assertEquals(new DetachRequest("c1", "n"), DetachRequest.fromJson(json("{\"Name\":\"c1\",\"Network\":\"n\"}")));
        assertEquals(new DetachRequest("c1", null), DetachRequest.fromJson(json("{\"Name\":\"c1\"}")));
        assertEquals(new DetachRequest("c1", "n"), DetachRequest.fromJson(Json.MAPPER.valueToTree(new DetachRequest("c1", "n"))));
        assertThrows(InvalidRequestException.class, () -> DetachRequest.fromJson(json("{\"Network\":\"n\"}")));
    }
}
