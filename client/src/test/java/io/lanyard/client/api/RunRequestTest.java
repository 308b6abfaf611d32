package io.lanyard.client.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunRequestTest
{
    private static JsonNode json(final String text) throws IOException
    {
        return Json.MAPPER.readTree(text);
    }

    @Test
    void shouldWriteEveryFieldUnderTheApisKeysInOrder()
    {
        final RunRequest request = new RunRequest("web", "front", "10.1.0.9", List.of("www"), List.of("sleep", "60"), true,
            List.of("8080:80"), List.of("192.0.2.53"), List.of("db:database"), java.util.Map.of("com.lanyard.port_security", "false"));

        final JsonNode json = Json.MAPPER.valueToTree(request);

        final List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("Name", "Network", "IPv4Address", "Aliases", "Cmd", "Detach", "Ports", "Dns", "Links", "DriverOpts"), keys);
        assertEquals(request, RunRequest.fromJson(json));
        assertEquals("web", json.get("Name").asText());
        assertEquals("front", json.get("Network").asText());
        assertEquals("10.1.0.9", json.get("IPv4Address").asText());
        assertEquals("[\"sleep\",\"60\"]", json.get("Cmd").toString());
        assertTrue(json.get("Detach").booleanValue());
    }

    @Test
    void shouldReadBackWhatItWrites()
    {
        final RunRequest request = new RunRequest("web", null, null, List.of("www"), List.of("ls"), false, List.of("80"),
            List.of(), List.of("db"));

        assertEquals(request, RunRequest.fromJson(request.toJson()));
    }

    @Test
    void shouldAskForADetachedSandboxWithNothingElse()
    {
        final RunRequest request = RunRequest.detached("s1", "load").withAliases(List.of("one"));

        assertEquals(new RunRequest("s1", "load", null, List.of("one"), List.of(), true, List.of(), List.of(), List.of()), request);
    }

    @Test
    void shouldTreatMissingListsAsEmpty()
    {
        final RunRequest request = new RunRequest("s1", "bridge", null, null, null, true, null, null, null);
        assertEquals(List.of(), request.aliases());
        assertEquals(List.of(), request.command());
        assertEquals(List.of(), request.ports());
        assertEquals(List.of(), request.dns());
        assertEquals(List.of(), request.links());
    }

    @Test
    void shouldReadMissingAndNullFieldsAsAbsent() throws IOException
    {
        final RunRequest request = RunRequest.fromJson(json("{\"Network\":null,\"Cmd\":null,\"Unknown\":[1]}"));

        assertEquals(new RunRequest(null, null, null, List.of(), List.of(), false, List.of(), List.of(), List.of()), request);
    }

    @Test
    void shouldReadDetachLenientlyAsItAlwaysWas() throws IOException
    {
        assertTrue(RunRequest.fromJson(json("{\"Detach\":\"true\"}")).detach());
    }

    @Test
    void shouldNameTheFirstFieldOfTheWrongType() throws IOException
    {
        assertEquals("Name must be a string",
            assertThrows(InvalidRequestException.class, () -> RunRequest.fromJson(json("{\"Name\":5,\"Cmd\":\"ls\"}"))).getMessage());
        assertEquals("Cmd must be an array of strings",
            assertThrows(InvalidRequestException.class, () -> RunRequest.fromJson(json("{\"Cmd\":\"ls\"}"))).getMessage());
        assertEquals("Links must be an array of strings",
            assertThrows(InvalidRequestException.class, () -> RunRequest.fromJson(json("{\"Links\":[1]}"))).getMessage());
    }
}
