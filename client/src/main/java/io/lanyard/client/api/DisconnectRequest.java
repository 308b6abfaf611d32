package io.lanyard.client.api;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code POST /networks/{id}/disconnect}: Docker Engine's {@code NetworkDisconnectRequest}
 * without {@code Force}.
 *
 * @param container the sandbox's name or ID; required.
 */
public record DisconnectRequest(String container)
{
    @JsonValue
    public ObjectNode toJson()
    {
        final ObjectNode json = JsonFields.object();
        json.put(ConnectRequest.CONTAINER, container);
        return json;
    }

    /**
     * Reads a request body.
     *
     * @throws InvalidRequestException when it names no container or names it with something else than a string.
     */
    public static DisconnectRequest fromJson(final JsonNode json)
    {
        return new DisconnectRequest(ConnectRequest.requireContainer(json, "disconnect"));
    }
}
