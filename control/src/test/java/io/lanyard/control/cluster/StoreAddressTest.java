package io.lanyard.control.cluster;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StoreAddressTest
{
    @Test
    void shouldParseOneEndpoint()
    {
        final StoreAddress address = StoreAddress.parse("etcd://127.0.0.1:2379");

        assertEquals(List.of(new StoreAddress.Endpoint("127.0.0.1", 2379)), address.endpoints());
        assertEquals(List.of(URI.create("http://127.0.0.1:2379")), address.uris());
        assertEquals("etcd://127.0.0.1:2379", address.toString());
    }

    @Test
    void shouldParseSeveralEndpointsInTheOrderGiven()
    {
        final StoreAddress address = StoreAddress.parse("etcd://10.0.0.3:2379,etcd-b.example.org:22379,[fd00::1]:2379");

        assertEquals(List.of(
            new StoreAddress.Endpoint("10.0.0.3", 2379),
            new StoreAddress.Endpoint("etcd-b.example.org", 22379),
            new StoreAddress.Endpoint("fd00::1", 2379)), address.endpoints());
        assertEquals(URI.create("http://[fd00::1]:2379"), address.uris().get(2));
        assertEquals("etcd://10.0.0.3:2379,etcd-b.example.org:22379,[fd00::1]:2379", address.toString());
    }

    @Test
    void shouldAcceptTheSchemeInAnyCase()
    {
        assertEquals("etcd://localhost:1", StoreAddress.parse("ETCD://localhost:1").toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "127.0.0.1:2379                        | it does not start with etcd://",
        "http://127.0.0.1:2379                 | the scheme http:// is not supported, only etcd://",
        "etcd://                               | it names no HOST:PORT",
        "etcd://127.0.0.1                      | '127.0.0.1' has no :PORT",
        "etcd://127.0.0.1:                     | '127.0.0.1:' has no PORT after the colon",
        "etcd://:2379                          | ':2379' has no HOST",
        "etcd://127.0.0.1:http                 | the port 'http' is not a number from 1 to 65535",
        "etcd://127.0.0.1:0                    | the port 0 is not from 1 to 65535",
        "etcd://127.0.0.1:65536                | the port 65536 is not from 1 to 65535",
        "etcd://127.0.0.1:-1                   | the port '-1' is not a number from 1 to 65535",
        "etcd://127.0.0.1:2379,                | an endpoint between commas is empty",
        "etcd://a:1,,b:2                       | an endpoint between commas is empty",
        "etcd://a:1,a:1                        | a:1 is named twice",
        "etcd://127.0.0.1:2379/v3              | '127.0.0.1:2379/v3' is not HOST:PORT (no paths, users or spaces)",
        "etcd://root@127.0.0.1:2379            | 'root@127.0.0.1:2379' is not HOST:PORT (no paths, users or spaces)",
        "etcd://127.0.0.1 :2379                | '127.0.0.1 :2379' is not HOST:PORT (no paths, users or spaces)",
        "etcd://256.1.1.1:2379                 | '256.1.1.1' is not a host name or IPv4 address",
        "etcd://10.0.0:2379                    | '10.0.0' is not a host name or IPv4 address",
        "etcd://under_score:2379               | 'under_score' is not a host name or IPv4 address",
        "etcd://-bad.example:2379              | '-bad.example' is not a host name or IPv4 address",
        "etcd://fd00::1:2379                   | 'fd00::1:2379' looks like an IPv6 address; write it as [IPV6]:PORT",
        "etcd://[fd00::1]                      | '[fd00::1]' is not [IPV6]:PORT",
        "etcd://[fd00::1:2379                  | '[fd00::1:2379' is not [IPV6]:PORT",
        "etcd://[zz::1]:2379                   | 'zz::1' is not an IPv6 address",
    })
    void shouldRefuseABadAddressWithOneLineNamingTheProblem(final String text, final String why)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> StoreAddress.parse(text));

        assertEquals("--store must be etcd://HOST:PORT[,HOST:PORT...], but in '" + text + "' " + why, ex.getMessage());
        assertFalse(ex.getMessage().contains("\n"));
    }

    @Test
    void shouldRefuseMoreEndpointsThanAClusterHas()
    {
        final StringBuilder text = new StringBuilder("etcd://");
        for (int i = 1; i <= StoreAddress.MAX_ENDPOINTS + 1; i++)
        {
            text.append(i == 1 ? "" : ",").append("10.0.0.").append(i).append(":2379");
        }

        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> StoreAddress.parse(text.toString()));

        assertTrue(ex.getMessage().endsWith("it names 17 endpoints, at most 16 are allowed"), ex.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void shouldRefuseAnEmptyAddress(final String text)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> StoreAddress.parse(text));

        assertEquals("--store must be etcd://HOST:PORT[,HOST:PORT...], but in '" + text + "' it is empty", ex.getMessage());
    }

    @Test
    void shouldRefuseNull()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> StoreAddress.parse(null));

        assertTrue(ex.getMessage().endsWith("it is empty"), ex.getMessage());
    }

    @Test
    void shouldShowControlCharactersAsQuestionMarksToKeepTheMessageOnOneLine()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> StoreAddress.parse("etcd://a:1\nb:2"));

        assertFalse(ex.getMessage().contains("\n"), ex.getMessage());
        assertTrue(ex.getMessage().contains("'etcd://a:1?b:2' 'a:1?b:2' is not HOST:PORT"), ex.getMessage());
    }
}
