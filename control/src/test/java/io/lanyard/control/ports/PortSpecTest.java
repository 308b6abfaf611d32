package io.lanyard.control.ports;

import com.fasterxml.jackson.databind.JsonMappingException;
import io.lanyard.client.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PortSpecTest
{
    private static String refusal(final String spec)
    {
        return assertThrows(IllegalArgumentException.class, () -> PortSpec.parse(spec)).getMessage();
    }

    private static String refusalOfAll(final String... specs)
    {
        return assertThrows(IllegalArgumentException.class, () -> PortSpec.parseAll(List.of(specs))).getMessage();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "80                 | ''        | 0    | 80 | tcp",
        "8080:80            | ''        | 8080 | 80 | tcp",
        "127.0.0.1:8081:80  | 127.0.0.1 | 8081 | 80 | tcp",
        "127.0.0.1::80      | 127.0.0.1 | 0    | 80 | tcp",
        "5353:53/udp        | ''        | 5353 | 53 | udp",
        "80/tcp             | ''        | 0    | 80 | tcp",
        "80/UDP             | ''        | 0    | 80 | udp",
        "80/                | ''        | 0    | 80 | tcp",
        "0.0.0.0:8080:80    | ''        | 8080 | 80 | tcp",
        "0:80               | ''        | 0    | 80 | tcp",
        "65535:65535/udp    | ''        | 65535| 65535 | udp",
        "10.1.2.3:1:1       | 10.1.2.3  | 1    | 1  | tcp",
    })
    void shouldParseEachDockerShortForm(
        final String spec, final String hostIp, final int hostPort, final int containerPort, final String protocol)
    {
        assertEquals(new PortBinding(hostIp, hostPort, containerPort, protocol), PortSpec.parse(spec));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "''                  | no port specified: <empty>",
        "abc                 | invalid containerPort: abc",
        "1:2:3:4             | invalid IP address: 1:2",
        ":80                 | invalid port specification: \":80\"",
        ":8080:80            | invalid port specification: \":8080:80\"",
        "/udp                | no port specified: /udp",
        "8080:               | no port specified: 8080:",
        "0                   | invalid containerPort: 0",
        "99999               | invalid containerPort: 99999",
        "8080:99999          | invalid containerPort: 99999",
        "70000:80            | invalid hostPort: 70000",
        "-1:80               | invalid hostPort: -1",
        "+80                 | invalid containerPort: +80",
        "' 80'               | 'invalid containerPort:  80'",
        "80/sctp             | invalid proto: sctp (only tcp and udp are supported)",
        "80/tcp/udp          | invalid proto: tcp/udp (only tcp and udp are supported)",
        "8000-8001:80-81     | port ranges are not supported yet: 8000-8001:80-81",
        "80-81               | port ranges are not supported yet: 80-81",
        "8000-8001:80        | port ranges are not supported yet: 8000-8001:80",
        "[::1]:8080:80       | IPv6 host IPs are not supported yet: ::1",
        "::1:8080:80         | IPv6 host IPs are not supported yet: ::1",
        "[fe80::1]::80/udp   | IPv6 host IPs are not supported yet: fe80::1",
        "[nonsense]:8080:80  | invalid IP address: [nonsense]",
        "256.0.0.1:8080:80   | invalid IP address: 256.0.0.1",
        "127.0.0.01:8080:80  | invalid IP address: 127.0.0.01",
        "localhost:8080:80   | invalid IP address: localhost",
    })
    void shouldRefuseWithOneLineInDockersWording(final String spec, final String message)
    {
        assertEquals(message, refusal(spec));
    }

    @Test
    void shouldRefuseANullSpecLikeAnEmptyOne()
    {
        assertEquals("no port specified: <empty>", refusal(null));
    }

    @Test
    void shouldDisplayAsDockerPsDoes()
    {
        assertEquals("0.0.0.0:8080->80/tcp", PortSpec.parse("8080:80").display());
        assertEquals("127.0.0.1:5353->53/udp", PortSpec.parse("127.0.0.1:5353:53/udp").toString());
        assertEquals("0.0.0.0:49153->80/tcp", PortSpec.parse("80").withHostPort(49153).display());
    }

    @Test
    void shouldTreatAnExplicitAllAddressesAsTheDefault()
    {
        assertEquals(PortSpec.parse("8080:80"), PortSpec.parse("0.0.0.0:8080:80"));
    }

    @Test
    void shouldAllowOneContainerPortOnSeveralHostPorts()
    {
        final List<PortBinding> bindings = PortSpec.parseAll(List.of("8080:80", "8081:80", "127.0.0.1::80", "80"));

        assertEquals(4, bindings.size());
    }

    @Test
    void shouldAllowOneHostPortForTcpAndUdpAndOnDistinctAddresses()
    {
        final List<PortBinding> bindings = PortSpec.parseAll(
            List.of("53:53/tcp", "53:53/udp", "127.0.0.1:8080:80", "127.0.0.2:8080:81"));

        assertEquals(4, bindings.size());
    }

    @Test
    void shouldRefuseOneHostPortPublishedTwice()
    {
        assertEquals("host port 8080/tcp is published twice", refusalOfAll("8080:80", "8080:81"));
        assertEquals("host port 8080/tcp is published twice", refusalOfAll("8080:80", "8080:80"));
        assertEquals("host port 5353/udp is published twice", refusalOfAll("127.0.0.1:5353:53/udp", "127.0.0.1:5353:54/udp"));
    }

    @Test
    void shouldRefuseAHostPortOnAllAddressesAndOnOneAddress()
    {
        assertEquals("host port 8080/tcp is published twice", refusalOfAll("8080:80", "127.0.0.1:8080:81"));
        assertEquals("host port 8080/tcp is published twice", refusalOfAll("127.0.0.1:8080:81", "8080:80"));
    }

    @Test
    void shouldRefuseTheSameBindingWithAChosenHostPortTwice()
    {
        assertEquals("container port 80/tcp is published twice on 0.0.0.0", refusalOfAll("80", "80/tcp"));
        assertEquals("container port 53/udp is published twice on 127.0.0.1",
            refusalOfAll("127.0.0.1::53/udp", "127.0.0.1::53/udp"));
    }

    @Test
    void shouldReportTheFirstMalformedSpecOfAList()
    {
        assertEquals("invalid hostPort: 70000", refusalOfAll("8080:80", "70000:80", "abc"));
    }

    @Test
    void shouldWriteAndReadJsonWithDockersFieldNames() throws Exception
    {
        final PortBinding binding = PortSpec.parse("127.0.0.1:8081:80/udp");

        final String json = Json.MAPPER.writeValueAsString(binding);

        assertEquals("{\"HostIp\":\"127.0.0.1\",\"HostPort\":8081,\"ContainerPort\":80,\"Protocol\":\"udp\"}", json);
        assertEquals(binding, Json.MAPPER.readValue(json, PortBinding.class));
    }

    @Test
    void shouldRefuseJsonThatTheParserWouldRefuse()
    {
        final String json = "{\"HostIp\":\"\",\"HostPort\":8080,\"ContainerPort\":0,\"Protocol\":\"tcp\"}";

        final JsonMappingException refusal = assertThrows(
            JsonMappingException.class, () -> Json.MAPPER.readValue(json, PortBinding.class));

        assertEquals("invalid containerPort: 0", refusal.getCause().getMessage());
    }
}
