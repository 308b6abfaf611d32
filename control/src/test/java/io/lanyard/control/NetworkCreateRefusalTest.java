package io.lanyard.control;

import io.lanyard.control.model.IpamPool;
import io.lanyard.control.model.Network;
import org.junit.jupiter.api.AfterAll;
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
import static io.lanyard.control.RefusalAssertions.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Bad {@code network create} requests: each is refused with Docker's status and a clear message,
 * and leaves the networks and the state file exactly as they were. Since nothing here may change
 * anything (and each test checks that), one daemon serves the whole class.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NetworkCreateRefusalTest
{
    private static final String EXISTING_SUBNET = "10.50.0.0/16";
    private static final String TAKEN_BRIDGE_NAME = "br-taken";

    @TempDir
    static Path tempDir;

    private ControlPlaneFixture fixture;

    @BeforeAll
    void startWithTwoUserNetworks()
    {
        fixture = ControlPlaneFixture.fresh(tempDir.resolve("shared"));
        fixture.control().createNetwork(named("existing").subnet(EXISTING_SUBNET)
            .option(Network.OPTION_BRIDGE_NAME, TAKEN_BRIDGE_NAME).build());
        fixture.control().createNetwork(named("isolated").build());
        assertEquals("172.18.0.0/16", fixture.control().network("isolated").ipam().get(0).subnet(), "the class relies on it");
    }

    @AfterAll
    void close()
    {
        fixture.close();
    }

    private void assertCreateRefused(final int status, final String message, final NetworkRequest request)
    {
        assertRefused(fixture, status, message, () -> fixture.control().createNetwork(request.build()));
    }

    /** A valid network named {@code fresh} on one subnet of its own, save for the pool given. */
    private void assertPoolRefused(final String message, final IpamPool pool)
    {
        assertCreateRefused(400, message, named("fresh").pool(pool));
    }

    // ------------------------------------------------------------------------------------------
    // name and driver
    // ------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "name \"{0}\"")
    @NullAndEmptySource
    @ValueSource(strings = {"-x", ".x", "_x", "a b", "a/b", "x:y", "ä", "tab\tname", "new\nline", "a=b"})
    void shouldRefuseANetworkNameDockerWouldNotAccept(final String name)
    {
        assertCreateRefused(400, "invalid network name \"" + (name == null ? "" : name) +
            "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", named(name));
    }

    @ParameterizedTest(name = "name {0}")
    @ValueSource(strings = {"existing", "isolated", "bridge", "host", "none"})
    void shouldRefuseANameThatAnotherNetworkAlreadyHas(final String name)
    {
        assertCreateRefused(409, "network with name " + name + " already exists", named(name).subnet("10.60.0.0/16"));
    }

    @ParameterizedTest(name = "driver {0}")
    @ValueSource(strings = {"host", "null"})
    void shouldRefuseASecondHostOrNullNetwork(final String driver)
    {
        assertCreateRefused(403, "only one instance of \"" + driver + "\" network is allowed", named("fresh").driver(driver));
    }

    @ParameterizedTest(name = "driver {0}")
    @ValueSource(strings = {"vxlan", "macvlan", "Bridge", "bridge ", "Overlay"})
    void shouldAnswer404ForADriverItDoesNotHave(final String driver)
    {
        assertCreateRefused(404, "plugin \"" + driver + "\" not found", named("fresh").driver(driver));
    }

    @ParameterizedTest(name = "driver {0}, internal {1}")
    @CsvSource({"overlay, false", "macvlan, false", "bridge, true"})
    void shouldRefuseAGatewayBridgeThatWouldGiveNoWayOut(final String driver, final boolean internal)
    {
        final NetworkRequest request = named(Network.GATEWAY_BRIDGE).driver(driver);
        assertCreateRefused(400, "network lanyard_gwbridge gives containers on overlay networks their way out: it can only be " +
            "a bridge network that is not internal", internal ? request.internal() : request);
    }

    @Test
    void shouldRefuseAnOverlayOutsideACluster()
    {
        assertCreateRefused(400, "cannot create an overlay network: this daemon is not in a cluster (start lanyardd with " +
            "--store etcd://HOST:PORT --advertise-addr IP)", named("fresh").driver("overlay"));
    }

    // ------------------------------------------------------------------------------------------
    // subnets, gateways, ranges and auxiliary addresses
    // ------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "subnet \"{0}\"")
    @ValueSource(strings = {"", "10.60.0.0", "10.60.0.0/", "10.60.0.0/33", "10.60.0/16", "300.60.0.0/16", "abc/16",
        "10.60.0.0/16/2", "10.60.0.0/+8", "10.60.0.0/-8", " 10.60.0.0/16", "10.60.0.0/16 ", "10.060.0.0/16", "10.60.0.0/160"})
    void shouldRefuseASubnetThatIsNotACidr(final String subnet)
    {
        assertPoolRefused("invalid CIDR address: " + subnet, new IpamPool(subnet, null, null, null));
    }

    @ParameterizedTest(name = "ip-range \"{0}\"")
    @ValueSource(strings = {"10.60.5.0", "10.60.5.0/33", "range", "10.60.5/24"})
    void shouldRefuseAnIpRangeThatIsNotACidr(final String range)
    {
        assertPoolRefused("invalid CIDR address: " + range, new IpamPool("10.60.0.0/16", null, range, null));
    }

    @ParameterizedTest(name = "{0} should be {1}")
    @CsvSource({
        "10.60.2.3/16, 10.60.0.0/16",
        "10.60.0.1/24, 10.60.0.0/24",
        "10.60.0.255/30, 10.60.0.252/30",
        "172.30.255.255/12, 172.16.0.0/12",
        "10.0.0.0/4, 0.0.0.0/4"})
    void shouldRefuseASubnetWithHostBitsSetNamingItsCanonicalForm(final String subnet, final String canonical)
    {
        assertPoolRefused("invalid subnet " + subnet + " : it should be " + canonical, new IpamPool(subnet, null, null, null));
    }

    @ParameterizedTest(name = "subnet {0}")
    @ValueSource(strings = {"0.0.0.0/0", "8.0.0.0/7", "10.0.0.0/31", "10.60.0.1/32", "10.60.0.0/32"})
    void shouldRefuseAPrefixShorterThanEightOrLongerThanThirty(final String subnet)
    {
        assertPoolRefused("invalid subnet " + subnet + ": the prefix length must be between 8 and 30",
            new IpamPool(subnet, null, null, null));
    }

    @ParameterizedTest(name = "gateway {0}")
    @ValueSource(strings = {"10.61.0.1", "192.168.0.1", "10.60.0.0", "10.60.255.255", "0.0.0.0", "255.255.255.255"})
    void shouldRefuseAGatewayThatIsNotAHostOfTheSubnet(final String gateway)
    {
        assertPoolRefused("no matching subnet for gateway " + gateway, new IpamPool("10.60.0.0/16", gateway, null, null));
    }

    @ParameterizedTest(name = "gateway \"{0}\"")
    @ValueSource(strings = {"10.60.0", "10.60.0.1/16", "gw", "10.60.0.01", " 10.60.0.1"})
    void shouldRefuseAGatewayThatIsNotAnAddress(final String gateway)
    {
        assertPoolRefused("invalid IPv4 address: " + gateway, new IpamPool("10.60.0.0/16", gateway, null, null));
    }

    @ParameterizedTest(name = "ip-range {0}")
    @ValueSource(strings = {"10.61.0.0/24", "192.168.1.0/24", "10.0.0.0/8", "10.60.0.0/15", "0.0.0.0/0"})
    void shouldRefuseAnIpRangeThatIsNotInsideTheSubnet(final String range)
    {
        assertPoolRefused("no matching subnet for range " + range, new IpamPool("10.60.0.0/16", null, range, null));
    }

    @ParameterizedTest(name = "aux-address {0}")
    @ValueSource(strings = {"10.61.0.5", "192.168.0.5", "10.60.0.0", "10.60.255.255"})
    void shouldRefuseAnAuxiliaryAddressThatIsNotAHostOfTheSubnet(final String aux)
    {
        assertPoolRefused("no matching subnet for aux-address " + aux,
            new IpamPool("10.60.0.0/16", null, null, Map.of("ok", "10.60.0.9", "bad", aux)));
    }

    @Test
    void shouldRefuseAnAuxiliaryAddressThatIsTheGatewayOrTakenByAnother()
    {
        assertPoolRefused("failed to allocate secondary ip address (router:10.60.0.1): Address already in use",
            new IpamPool("10.60.0.0/16", "10.60.0.1", null, Map.of("router", "10.60.0.1")));
        final Map<String, String> twice = new java.util.LinkedHashMap<>();
        twice.put("first", "10.60.0.9");
        twice.put("second", "10.60.0.9");
        assertPoolRefused("failed to allocate secondary ip address (second:10.60.0.9): Address already in use",
            new IpamPool("10.60.0.0/16", null, null, twice));
    }

    @ParameterizedTest(name = "aux-address \"{0}\"")
    @ValueSource(strings = {"", "host", "10.60.0", "10.60.0.5/16"})
    void shouldRefuseAnAuxiliaryAddressThatIsNotAnAddress(final String aux)
    {
        assertPoolRefused("invalid IPv4 address: " + aux, new IpamPool("10.60.0.0/16", null, null, Map.of("bad", aux)));
    }

    @Test
    void shouldRefuseAnIpamConfigurationWithoutASubnet()
    {
        assertPoolRefused("an IPAM configuration needs a subnet", new IpamPool(null, "10.60.0.1", null, null));
        assertPoolRefused("an IPAM configuration needs a subnet", new IpamPool(null, null, "10.60.0.0/24", null));
    }

    @ParameterizedTest(name = "subnet {0}")
    @ValueSource(strings = {EXISTING_SUBNET, "10.50.7.0/24", "10.50.255.252/30", "10.0.0.0/8", "10.48.0.0/12",
        "172.17.0.0/16", "172.17.3.0/24", "172.16.0.0/12", "172.18.0.128/25"})
    void shouldRefuseASubnetThatOverlapsAnExistingNetwork(final String subnet)
    {
        assertCreateRefused(403, "Pool overlaps with other one on this address space", named("fresh").subnet(subnet));
    }

    @Test
    void shouldRefuseASubnetThatOverlapsAnExistingNetworkEvenAfterAFreeOneInTheSameRequest()
    {
        assertCreateRefused(403, "Pool overlaps with other one on this address space",
            named("fresh").subnet("10.60.0.0/16").subnet("10.50.1.0/24"));
    }

    @ParameterizedTest(name = "{0} and {1}")
    @CsvSource({
        "10.60.0.0/16, 10.60.5.0/24",
        "10.60.5.0/24, 10.60.0.0/16",
        "10.60.0.0/16, 10.60.0.0/16"})
    void shouldRefuseTwoSubnetsOfOneRequestThatOverlapEachOther(final String first, final String second)
    {
        assertCreateRefused(403, "Pool overlaps with other one on this address space", named("fresh").subnet(first).subnet(second));
    }

    // ------------------------------------------------------------------------------------------
    // driver options
    // ------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "option {0}")
    @ValueSource(strings = {"foo", "com.docker.network.bridge.enable_icc2", "com.docker.network.bridge.default_bridge",
        "com.docker.network.driver.overlay.vxlanid_list", "COM.DOCKER.NETWORK.DRIVER.MTU", "com.docker.network.bridge.mtu", ""})
    void shouldRefuseAnOptionTheBridgeDriverDoesNotKnow(final String key)
    {
        assertCreateRefused(400, "unknown option \"" + key + "\" for driver bridge", named("fresh").option(key, "true"));
    }

    @ParameterizedTest(name = "{0}=\"{1}\"")
    @CsvSource({
        "com.docker.network.bridge.enable_icc, yes",
        "com.docker.network.bridge.enable_icc, on",
        "com.docker.network.bridge.enable_icc, ''",
        "com.docker.network.bridge.enable_icc, truee",
        "com.docker.network.bridge.enable_icc, ' false'",
        "com.docker.network.bridge.enable_ip_masquerade, no",
        "com.docker.network.bridge.enable_ip_masquerade, ''",
        "com.docker.network.bridge.enable_ip_masquerade, enabled"})
    void shouldRefuseABooleanOptionThatIsNeitherTrueNorFalse(final String key, final String value)
    {
        assertCreateRefused(400, "invalid value \"" + value + "\" for option " + key + ": want true or false",
            named("fresh").option(key, value));
    }

    @ParameterizedTest(name = "mtu \"{0}\"")
    @ValueSource(strings = {"", "abc", "1500.0", "1e3", " 1500", "1500 ", "0x5dc", "99999999999", "1,500"})
    void shouldRefuseAnMtuThatIsNotANumber(final String mtu)
    {
        assertCreateRefused(400, "invalid value \"" + mtu + "\" for option " + Network.OPTION_MTU + ": want a number",
            named("fresh").option(Network.OPTION_MTU, mtu));
    }

    @ParameterizedTest(name = "mtu {0}")
    @ValueSource(strings = {"67", "0", "-1", "65536", "100000"})
    void shouldRefuseAnMtuOutsideSixtyEightTo65535(final String mtu)
    {
        assertCreateRefused(400, "invalid MTU " + mtu + ": it must be between 68 and 65535",
            named("fresh").option(Network.OPTION_MTU, mtu));
    }

    @ParameterizedTest(name = "bridge name \"{0}\"")
    @ValueSource(strings = {"", "0123456789abcdef", "a-very-long-bridge-name", "br 0", "br/0", "br:0", "bräu", "br@0"})
    void shouldRefuseABridgeNameThatCannotBeAnInterfaceName(final String name)
    {
        assertCreateRefused(400, "invalid bridge name \"" + name + "\": 1 to 15 of [a-zA-Z0-9_.-]",
            named("fresh").option(Network.OPTION_BRIDGE_NAME, name));
    }

    @ParameterizedTest(name = "bridge name {0}")
    @CsvSource({"lanyard0, bridge", TAKEN_BRIDGE_NAME + ", existing"})
    void shouldRefuseABridgeNameThatAnotherNetworkAlreadyUses(final String device, final String owner)
    {
        assertCreateRefused(409, "bridge name " + device + " is already used by network " + owner,
            named("fresh").option(Network.OPTION_BRIDGE_NAME, device));
    }

    @ParameterizedTest(name = "host binding \"{0}\"")
    @ValueSource(strings = {"", "localhost", "1.2.3", "::1", "0.0.0.0/0", "256.0.0.1"})
    void shouldRefuseAHostBindingThatIsNotAnIpv4Address(final String address)
    {
        assertCreateRefused(400, "invalid value \"" + address + "\" for option " + Network.OPTION_HOST_BINDING_IPV4 +
            ": want an IPv4 address", named("fresh").option(Network.OPTION_HOST_BINDING_IPV4, address));
    }

    @Test
    void shouldRefuseTheWholeRequestWhenOnlyOneOfSeveralOptionsIsBad()
    {
        assertCreateRefused(400, "invalid MTU 10: it must be between 68 and 65535", named("fresh")
            .option(Network.OPTION_ENABLE_ICC, "false").option(Network.OPTION_MTU, "10").option(Network.OPTION_BRIDGE_NAME, "br-ok"));
    }

    // ------------------------------------------------------------------------------------------
    // default pools
    // ------------------------------------------------------------------------------------------

    @Test
    void shouldRefuseANetworkWithoutASubnetOnceEveryDefaultPoolIsTaken(@TempDir final Path own)
    {
        try (ControlPlaneFixture full = ControlPlaneFixture.fresh(own))
        {
            for (final List<String> network : List.of(List.of("a", "172.18.0.0/15"), List.of("b", "172.20.0.0/14"),
                List.of("c", "172.24.0.0/13"), List.of("d", "192.168.0.0/16")))
            {
                full.control().createNetwork(named(network.get(0)).subnet(network.get(1)).build());
            }

            assertRefused(full, 409, "could not find an available, non-overlapping IPv4 address pool among the defaults " +
                "to assign to the network", () -> full.control().createNetwork(named("one-too-many").build()));
            full.control().createNetwork(named("explicit").subnet("10.1.0.0/16").build());
        }
    }
}
