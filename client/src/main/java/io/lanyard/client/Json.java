package io.lanyard.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.UncheckedIOException;
import java.util.Arrays;

/** The one JSON mapper of the API, shared by server and client: RFC 3339 times, nothing clever. */
public final class Json
{
    public static final ObjectMapper MAPPER = JsonMapper.builder()
        .addModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .build();

    private Json()
    {
    }

    /**
     * {@code value} as one line of a JSON-lines stream ({@code /events}, {@code /stats?stream=1}):
     * its JSON and a newline.
     */
    public static byte[] line(final Object value)
    {
        try
        {
            final byte[] json = MAPPER.writeValueAsBytes(value);
            final byte[] line = Arrays.copyOf(json, json.length + 1);
            line[json.length] = '\n';
            return line;
        }
        catch (final JsonProcessingException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
