package io.lanyard.client.api;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Docker's error body, {@code {"message": "..."}}: what the daemon answers with every 4xx and
 * 5xx status, and what a client shows of it.
 *
 * @param message one line; null when the body had none.
 */
public record ErrorResponse(String message)
{
    private static final String MESSAGE = "message";

    @JsonValue
    public ObjectNode toJson()
    {
        final ObjectNode json = JsonFields.object();
        json.put(MESSAGE, message);
        return json;
    }

    /** Reads an error body leniently: a body without a message reads as a null message. */
    public static ErrorResponse fromJson(final JsonNode json)
    {
        return new ErrorResponse(json != null && json.hasNonNull(MESSAGE) ? json.get(MESSAGE).asText() : null);
    }
}
