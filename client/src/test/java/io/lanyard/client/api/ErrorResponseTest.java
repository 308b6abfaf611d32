package io.lanyard.client.api;

import io.lanyard.client.Json;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ErrorResponseTest
{
    @Test
    void shouldWriteDockersErrorShape() throws IOException
    {
        assertEquals("{\"message\":\"network nope not found\"}", Json.MAPPER.writeValueAsString(new ErrorResponse("network nope not found")));
    }

    @Test
    void shouldReadAMessageAndTolerateABodyWithout() throws IOException
    {
        assertEquals("gone", ErrorResponse.fromJson(Json.MAPPER.readTree("{\"message\":\"gone\"}")).message());
        assertNull(ErrorResponse.fromJson(Json.MAPPER.readTree("{\"error\":\"gone\"}")).message());
        assertNull(ErrorResponse.fromJson(Json.MAPPER.readTree("[]")).message());
        assertNull(ErrorResponse.fromJson(null).message());
    }
}
