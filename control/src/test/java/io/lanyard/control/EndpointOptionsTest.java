package io.lanyard.control;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EndpointOptionsTest
{
    @Test
    void shouldTakePortSecurityOnOrOff()
    {
        assertEquals(Map.of("com.lanyard.port_security", "false"), EndpointOptions.validate(Map.of("com.lanyard.port_security", "false")));
        assertEquals(Map.of("com.lanyard.port_security", "true"), EndpointOptions.validate(Map.of("com.lanyard.port_security", "true")));
        assertEquals(Map.of(), EndpointOptions.validate(Map.of()));
    }

    @Test
    void shouldRefuseAnotherOptionOrValueNamingIt()
    {
        final RequestException unknown = assertThrows(RequestException.class,
            () -> EndpointOptions.validate(Map.of("com.lanyard.mystery", "1")));
        assertEquals(400, unknown.status());
        assertEquals("unknown endpoint option \"com.lanyard.mystery\": only com.lanyard.port_security is supported", unknown.getMessage());
        final RequestException value = assertThrows(RequestException.class,
            () -> EndpointOptions.validate(Map.of("com.lanyard.port_security", "no")));
        assertEquals("invalid value \"no\" for option com.lanyard.port_security: want true or false", value.getMessage());
    }

    @Test
    void shouldQuoteOnlyTheStartOfAKeyLongerThanAnyKeyMayBe()
    {
        final RequestException refused = assertThrows(RequestException.class,
            () -> EndpointOptions.validate(Map.of("k".repeat(100_000), "1")));
        assertEquals("unknown endpoint option \"kkkkkkkkkkkkkkkk...\": only com.lanyard.port_security is supported", refused.getMessage());
    }
}
