package io.lanyard.control;

import io.lanyard.client.api.ConnectRequest;
import io.lanyard.client.api.AttachRequest;
import io.lanyard.client.api.PortCreateRequest;
import io.lanyard.client.api.RunRequest;
import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static io.lanyard.control.NetworkRequest.named;
import static io.lanyard.control.RefusalAssertions.assertRefused;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sizes a request may have (issue 15, {@link RequestLimits}): every list, map and string of
 * every request over its limit is refused with 400 and a message naming the field and the limit,
 * and nothing is made or stored; a request at the limits passes them. One daemon serves the class,
 * since no refused request may change it.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestLimitsTest
{
    private static final int LONGEST_NAME = 255 - ControlPlaneFixture.SANDBOX_PREFIX.length();

    @TempDir
    static Path tempDir;

    private ControlPlaneFixture fixture;

    @BeforeAll
    void start()
    {
        fixture = ControlPlaneFixture.fresh(tempDir.resolve("shared"));
    }

    @AfterAll
    void close()
    {
        fixture.close();
    }

    private static String chars(final char c, final int count)
    {
        return String.valueOf(c).repeat(count);
    }

    private static List<String> strings(final int count, final String value)
    {
        return Collections.nCopies(count, value);
    }

    private static Map<String, String> entries(final int count, final String value)
    {
        final Map<String, String> map = new LinkedHashMap<>();
        IntStream.range(0, count).forEach(i -> map.put("k" + i, value));
        return map;
    }

    private static NetworkCreate network(final Map<String, String> options, final Map<String, String> labels, final List<IpamPool> ipam)
    {
        return new NetworkCreate("fresh", null, ipam, false, false, options, labels);
    }

    private static RunRequest run(final String network, final String address, final List<String> aliases, final List<String> command,
        final List<String> ports, final List<String> dns, final List<String> links)
    {
        return new RunRequest("c1", network, address, aliases, command, true, ports, dns, links);
    }

    private static AttachRequest attach(final String name, final String netns, final String interfaceName)
    {
        return new AttachRequest(name, netns, "bridge", interfaceName, null, List.of(), List.of());
    }

    private static Arguments refusal(final String message, final Executable request)
    {
        return Arguments.of(Named.of(message, message), request);
    }

    Stream<Arguments> overLimits()
    {
        final ControlPlane control = fixture.control();
        final IpamPool pool = new IpamPool("10.99.0.0/24", null, null, null);
        return Stream.of(
            refusal("invalid network name \"nnnnnnnnnnnnnnnn...\": at most " + LONGEST_NAME + " characters, not " + (LONGEST_NAME + 1),
                () -> control.createNetwork(named(chars('n', LONGEST_NAME + 1)).build())),
            refusal("Labels: at most 128 entries, not 129", () -> control.createNetwork(network(Map.of(), entries(129, ""), List.of()))),
            refusal("Labels key: at most 317 characters, not 318 (kkkkkkkkkkkkkkkk...)",
                () -> control.createNetwork(network(Map.of(), Map.of(chars('k', 318), ""), List.of()))),
            refusal("Labels.big: at most 4096 characters, not 4097 (vvvvvvvvvvvvvvvv...)",
                () -> control.createNetwork(network(Map.of(), Map.of("big", chars('v', 4097)), List.of()))),
            refusal("Labels: at most 65536 characters in all, not 65542",
                () -> control.createNetwork(network(Map.of(), entries(17, chars('v', 3853)), List.of()))),
            refusal("Options: at most 128 entries, not 129", () -> control.createNetwork(network(entries(129, ""), Map.of(), List.of()))),
            refusal("Options.mtu: at most 4096 characters, not 5000 (1111111111111111...)",
                () -> control.createNetwork(network(Map.of("mtu", chars('1', 5000)), Map.of(), List.of()))),
            refusal("Driver: at most 255 characters, not 256 (dddddddddddddddd...)",
                () -> control.createNetwork(named("fresh").driver(chars('d', 256)).build())),
            refusal("IPAM.Config: at most 16 entries, not 17",
                () -> control.createNetwork(network(Map.of(), Map.of(), Collections.nCopies(17, pool)))),
            refusal("IPAM.Config.Subnet: at most 255 characters, not 300 (1111111111111111...)",
                () -> control.createNetwork(network(Map.of(), Map.of(), List.of(new IpamPool(chars('1', 300), null, null, null))))),
            refusal("IPAM.Config.AuxiliaryAddresses: at most 128 entries, not 129",
                () -> control.createNetwork(network(Map.of(), Map.of(), List.of(new IpamPool("10.99.0.0/16", null, null,
                    entries(129, "10.99.0.9")))))),

            refusal("Invalid container name (cccccccccccccccc...): at most " + LONGEST_NAME + " characters, not 300",
                () -> control.run(RunRequest.detached(chars('c', 300), null))),
            refusal("Network: at most 255 characters, not 256 (nnnnnnnnnnnnnnnn...)",
                () -> control.run(RunRequest.detached("c1", chars('n', 256)))),
            refusal("IPv4Address: at most 255 characters, not 1000 (1111111111111111...)",
                () -> control.run(run(null, chars('1', 1000), List.of(), List.of(), List.of(), List.of(), List.of()))),
            refusal("Aliases: at most 64 entries, not 65",
                () -> control.run(run(null, null, strings(65, "a"), List.of(), List.of(), List.of(), List.of()))),
            refusal("Aliases: at most 253 characters, not 254 (aaaaaaaaaaaaaaaa...)",
                () -> control.run(run(null, null, List.of(chars('a', 254)), List.of(), List.of(), List.of(), List.of()))),
            refusal("Cmd: at most 1024 entries, not 1025",
                () -> control.run(run(null, null, List.of(), strings(1025, "x"), List.of(), List.of(), List.of()))),
            refusal("Cmd: at most 65536 characters in all, not 65537",
                () -> control.run(run(null, null, List.of(), List.of("sh", "-c", chars('x', 65_533)), List.of(), List.of(), List.of()))),
            refusal("Ports: at most 256 entries, not 257",
                () -> control.run(run(null, null, List.of(), List.of(), strings(257, "80"), List.of(), List.of()))),
            refusal("Ports: at most 255 characters, not 256 (8888888888888888...)",
                () -> control.run(run(null, null, List.of(), List.of(), List.of(chars('8', 256)), List.of(), List.of()))),
            refusal("Dns: at most 16 entries, not 17",
                () -> control.run(run(null, null, List.of(), List.of(), List.of(), strings(17, "9.9.9.9"), List.of()))),
            refusal("Links: at most 64 entries, not 65",
                () -> control.run(run(null, null, List.of(), List.of(), List.of(), List.of(), strings(65, "h1:x")))),

            refusal("Invalid container name (cccccccccccccccc...): at most " + LONGEST_NAME + " characters, not 256",
                () -> control.attach(attach(chars('c', 256), "/proc/1/ns/net", "eth1"))),
            refusal("Netns: at most 4096 characters, not 4097 (/ppppppppppppppp...)",
                () -> control.attach(attach("c1", "/" + chars('p', 4096), "eth1"))),
            refusal("Interface: at most 255 characters, not 256 (iiiiiiiiiiiiiiii...)",
                () -> control.attach(attach("c1", "/proc/1/ns/net", chars('i', 256)))),
            refusal("Container: at most 255 characters, not 256 (cccccccccccccccc...)",
                () -> control.connect("bridge", new ConnectRequest(chars('c', 256), null, List.of()))),
            refusal("Aliases: at most 64 entries, not 65", () -> control.connect("bridge", new ConnectRequest("h1", null, strings(65, "a")))),
            refusal("Container: at most 255 characters, not 256 (cccccccccccccccc...)",
                () -> control.disconnect("bridge", chars('c', 256))),
            refusal("Name: at most 255 characters, not 256 (cccccccccccccccc...)", () -> control.detach(chars('c', 256), null)),
            refusal("Name: at most 255 characters, not 256 (tttttttttttttttt...)",
                () -> control.createPort(new PortCreateRequest(chars('t', 256), "bridge", null, null, null))),
            refusal("User: at most 255 characters, not 256 (1111111111111111...)",
                () -> control.createPort(new PortCreateRequest("tap-vm1", "bridge", null, null, chars('1', 256)))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overLimits")
    void shouldRefuseAFieldOverItsLimitWithA400NamingItAndChangeNothing(final String message, final Executable request)
    {
        assertRefused(fixture, 400, message, request);
    }

    @Test
    void shouldRefuseSixtyThousandLabelsAndKeepTheStateFileSmall() throws Exception
    {
        assertRefused(fixture, 400, "Labels: at most 128 entries, not 60000",
            () -> fixture.control().createNetwork(network(Map.of(), entries(60_000, "x".repeat(8)), List.of())));

        final int stored = ControlPlaneFixture.storedBytes(fixture.store()).length;
        assertTrue(stored < 16 * 1024, "state.json and its journal: " + stored + " bytes");
    }

    @Test
    void shouldCreateANetworkWhoseLabelsAreAtEveryLimit()
    {
        final NetworkRequest request = named("full").subnet("10.98.0.0/24").label(chars('k', 317), chars('v', 4096));
        // 127 more keys of 15 characters, their values filling keys and values to exactly 65536
        final int values = 65_536 - 317 - 4096 - 127 * 15;
        for (int i = 0; i < 127; i++)
        {
            request.label(String.format("com.example.%03d", i), chars('v', values / 127 + (i == 0 ? values % 127 : 0)));
        }
        final NetworkCreate full = request.build();
        assertEquals(128, full.labels().size());
        assertEquals(65_536, full.labels().entrySet().stream().mapToInt(e -> e.getKey().length() + e.getValue().length()).sum());

        final Network network = fixture.control().createNetwork(full);
        try
        {
            assertEquals(full.labels(), network.labels());
        }
        finally
        {
            fixture.control().removeNetwork("full");
        }
    }

    @Test
    void shouldPassARunWhoseListsAreAtTheirLimits()
    {
        final List<String> command = new ArrayList<>(strings(1023, "x"));
        command.add(chars('y', 65_536 - 1023));
        final RunRequest request = new RunRequest(chars('c', LONGEST_NAME), chars('n', 255), null, strings(64, chars('a', 253)),
            command, true, strings(256, "8080:80"), strings(16, "9.9.9.9"), strings(64, "h1"));

        assertDoesNotThrow(() -> RequestLimits.run(request));
    }
}
