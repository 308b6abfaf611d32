package io.lanyard.control;

import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.lanyard.control.NetworkRequest.named;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The values {@code network create} accepts, kept exactly as given: names, subnets, gateways,
 * ranges, auxiliary addresses, options, labels and flags. None of these depends on what was
 * created before, so one daemon serves the class and every test removes what it made.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NetworkCreateValuesTest
{
    @TempDir
    static Path tempDir;

    private ControlPlaneFixture fixture;

    @BeforeAll
    void startFromAnEmptyState()
    {
        fixture = ControlPlaneFixture.fresh(tempDir);
    }

    @AfterAll
    void close()
    {
        fixture.close();
    }

    @AfterEach
    void removeWhatTheTestMade()
    {
        for (final Network network : fixture.control().networks())
        {
            if (!network.isPredefined())
            {
                fixture.control().removeNetwork(network.id());
            }
        }
        assertEquals(List.of("none", "host", "bridge"), fixture.control().networks().stream().map(Network::name).toList());
    }

    private Network create(final NetworkRequest request)
    {
        return fixture.control().createNetwork(request.build());
    }

    private static List<IpamPool> pools(final String subnet, final String gateway)
    {
        return List.of(new IpamPool(subnet, gateway, null, Map.of()));
    }

    @Test
    void shouldKeepAnExplicitSubnetGatewayIpRangeAndAuxiliaryAddresses()
    {
        final IpamPool requested = new IpamPool("10.10.0.0/16", "10.10.0.254", "10.10.5.0/24",
            Map.of("printer", "10.10.0.5", "nas", "10.10.200.1"));

        final Network network = create(named("office").pool(requested));

        assertEquals(List.of(requested), network.ipam());
    }

    @Test
    void shouldReserveTheGatewayAndAuxiliaryAddressesAsSoonAsTheNetworkExists()
    {
        final Network network = create(named("office").pool(new IpamPool("10.10.0.0/24", "10.10.0.254", null,
            Map.of("printer", "10.10.0.5", "nas", "10.10.0.6"))));

        assertEquals(5, fixture.control().addressesTaken(network), "network, broadcast, gateway and two auxiliary addresses");
    }

    @ParameterizedTest(name = "gateway \"{0}\"")
    @NullAndEmptySource
    void shouldMakeTheFirstHostOfTheSubnetItsGatewayWhenNoneIsGiven(final String gateway)
    {
        final Network network = create(named("n").pool(new IpamPool("10.20.30.0/24", gateway, null, null)));

        assertEquals(pools("10.20.30.0/24", "10.20.30.1"), network.ipam());
    }

    @ParameterizedTest(name = "{0} gets {1}")
    @CsvSource({
        "10.0.0.0/8, 10.0.0.1",
        "10.99.0.0/30, 10.99.0.1",
        "192.168.77.0/24, 192.168.77.1"})
    void shouldAcceptPrefixLengthsFromEightToThirty(final String subnet, final String gateway)
    {
        assertEquals(pools(subnet, gateway), create(named("n").subnet(subnet)).ipam());
    }

    @Test
    void shouldAcceptTheLastHostOfTheSubnetAsItsGateway()
    {
        final Network network = create(named("n").pool(new IpamPool("10.1.0.0/16", "10.1.255.254", null, null)));

        assertEquals(pools("10.1.0.0/16", "10.1.255.254"), network.ipam());
    }

    @Test
    void shouldKeepEverySubnetOfANetworkWithSeveral()
    {
        final Network network = create(named("multi")
            .subnet("10.1.0.0/16")
            .pool(new IpamPool("10.2.0.0/24", "10.2.0.100", null, null))
            .pool(new IpamPool("192.168.50.0/24", null, "192.168.50.128/25", Map.of("dns", "192.168.50.53"))));

        assertEquals(List.of(
            new IpamPool("10.1.0.0/16", "10.1.0.1", null, null),
            new IpamPool("10.2.0.0/24", "10.2.0.100", null, null),
            new IpamPool("192.168.50.0/24", "192.168.50.1", "192.168.50.128/25", Map.of("dns", "192.168.50.53"))), network.ipam());
    }

    @Test
    void shouldKeepTheOptionsAsGiven()
    {
        final Map<String, String> options = Map.of(
            Network.OPTION_ENABLE_ICC, "false",
            Network.OPTION_ENABLE_IP_MASQUERADE, "false",
            Network.OPTION_MTU, "9000",
            Network.OPTION_BRIDGE_NAME, "br-office.0",
            Network.OPTION_HOST_BINDING_IPV4, "127.0.0.1");
        final NetworkRequest request = named("office");
        options.forEach(request::option);

        final Network network = create(request);

        assertEquals(options, network.options());
        assertEquals(9000, network.mtu());
    }

    @Test
    void shouldAddNoDefaultOptionsToAUserNetwork()
    {
        final Network network = create(named("plain"));

        assertEquals(Map.of(), network.options());
        assertEquals(Network.DEFAULT_MTU, network.mtu());
        assertFalse(network.isDefaultBridge());
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
        "com.docker.network.driver.mtu, 68",
        "com.docker.network.driver.mtu, 65535",
        "com.docker.network.bridge.name, abcdefghij_.-12",
        "com.docker.network.bridge.name, b",
        "com.docker.network.bridge.enable_icc, true",
        "com.docker.network.bridge.enable_ip_masquerade, true",
        "com.docker.network.bridge.host_binding_ipv4, 0.0.0.0"})
    void shouldAcceptTheBoundaryValuesOfEachOption(final String key, final String value)
    {
        assertEquals(Map.of(key, value), create(named("n").option(key, value)).options());
    }

    @Test
    void shouldKeepTheLabels()
    {
        final Network network = create(named("labelled").label("tier", "web").label("com.example.owner", "ops").label("empty", ""));

        assertEquals(Map.of("tier", "web", "com.example.owner", "ops", "empty", ""), network.labels());
    }

    @Test
    void shouldKeepTheInternalAndAttachableFlags()
    {
        final Network both = create(named("both").internal().attachable());
        final Network internal = create(named("internal").internal());
        final Network neither = create(named("neither"));

        assertTrue(both.internal());
        assertTrue(both.attachable());
        assertTrue(internal.internal());
        assertFalse(internal.attachable());
        assertFalse(neither.internal());
        assertFalse(neither.attachable());
    }

    @ParameterizedTest(name = "driver \"{0}\"")
    @NullAndEmptySource
    @ValueSource(strings = "bridge")
    void shouldMakeABridgeNetworkWhenTheDriverIsBridgeOrLeftOut(final String driver)
    {
        assertEquals(Network.DRIVER_BRIDGE, create(named("n").driver(driver)).driver());
    }

    @ParameterizedTest
    @ValueSource(strings = {"A1-b_2.c", "9lives", "x", "UPPER", "a..b--c__"})
    void shouldAcceptEveryNameThatStartsWithALetterOrDigitAndGoesOnWithLettersDigitsAndDotDashUnderscore(final String name)
    {
        assertEquals(name, create(named(name)).name());
    }
}
