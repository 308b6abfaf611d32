package io.lanyard.client.api;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code POST /sandboxes/detach}: take an attached namespace's interface off a network (with a
 * network), or off every network (without). Detaching what is not attached succeeds, so a
 * runtime may repeat it.
 *
 * @param name    the name or ID the namespace was attached under; required.
 * @param network the network's name or ID, or null for all of them.
 */
public record DetachRequest(String name, String network)
{
    private static final String NAME = "Name";
    private static final String NETWORK = "Network";

    @JsonValue
    public ObjectNode toJson()
    {
        final ObjectNode json = JsonFields.object();
        json.put(NAME, name);
        json.put(NETWORK, network);
        return json;
    }

    /**
     * Reads a request body.
     *
     * @throws InvalidRequestException when it names no container or a field has the wrong type.
     */
    public static DetachRequest fromJson(final JsonNode json)
    {
        final DetachRequest request = new DetachRequest(JsonFields.text(json, NAME), JsonFields.text(json, NETWORK));
        AttachRequest.require(request.name(), NAME, "the container's name or ID");
        return request;
    }
}
