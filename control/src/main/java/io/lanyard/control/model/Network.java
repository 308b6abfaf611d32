package io.lanyard.control.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A network as the daemon keeps it. Drivers: {@code null} (loopback only), {@code host} (the
 * daemon's own namespace), {@code bridge} (a bridge domain of the switch), {@code overlay}
 * (a bridge domain spanning the cluster's hosts over VXLAN, scope {@code global}), and any
 * other name: a remote driver plugin's network, which Lanyard addresses and the plugin connects.
 */
public record Network(
    String id,
    String name,
    String driver,
    String scope,
    Instant created,
    boolean internal,
    boolean attachable,
    List<IpamPool> ipam,
    Map<String, String> options,
    Map<String, String> labels)
{
    public static final String DRIVER_NULL = "null";
    public static final String DRIVER_HOST = "host";
    public static final String DRIVER_BRIDGE = "bridge";
    public static final String DRIVER_OVERLAY = "overlay";

    public static final String SCOPE_LOCAL = "local";
    public static final String SCOPE_GLOBAL = "global";

    public static final String OPTION_DEFAULT_BRIDGE = "com.docker.network.bridge.default_bridge";
    public static final String OPTION_ENABLE_ICC = "com.docker.network.bridge.enable_icc";
    public static final String OPTION_ENABLE_IP_MASQUERADE = "com.docker.network.bridge.enable_ip_masquerade";
    public static final String OPTION_HOST_BINDING_IPV4 = "com.docker.network.bridge.host_binding_ipv4";
    public static final String OPTION_BRIDGE_NAME = "com.docker.network.bridge.name";
    public static final String OPTION_MTU = "com.docker.network.driver.mtu";
    public static final String OPTION_VXLAN_ID = "com.docker.network.driver.overlay.vxlanid_list";
    public static final String OPTION_STATIC_PEERS = "com.lanyard.overlay.static_peers";
    /** {@code false} lets the network's sandboxes send as any MAC and address (port security off); on by default. */
    public static final String OPTION_PORT_SECURITY = "com.lanyard.port_security";

    public static final int DEFAULT_MTU = 1500;

    /**
     * The bridge network that gives sandboxes whose networks have no way out (overlays) one:
     * Docker's {@code docker_gwbridge}, made on first use, its endpoints Lanyard's alone.
     */
    public static final String GATEWAY_BRIDGE = "lanyard_gwbridge";
    /** Docker names a sandbox's endpoint on the gateway bridge this and the first 12 hex digits of the sandbox's ID. */
    public static final String GATEWAY_ENDPOINT_PREFIX = "gateway_";

    public Network
    {
        ipam = ipam == null ? List.of() : List.copyOf(ipam);
        options = options == null ? Map.of() : Map.copyOf(options);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** none, host and bridge: made at first start, never removed. */
    public boolean isPredefined()
    {
        return "none".equals(name) || "host".equals(name) || "bridge".equals(name);
    }

    /** Its sandboxes' ports send only as themselves, unless {@value #OPTION_PORT_SECURITY} is false. */
    public boolean hasPortSecurity()
    {
        return !"false".equals(options.get(OPTION_PORT_SECURITY));
    }

    public boolean isDefaultBridge()
    {
        return "true".equals(options.get(OPTION_DEFAULT_BRIDGE));
    }

    public boolean isBridge()
    {
        return DRIVER_BRIDGE.equals(driver);
    }

    /** Whether this is {@value #GATEWAY_BRIDGE}, whose endpoints are sandboxes' gateway endpoints. */
    public boolean isGatewayBridge()
    {
        return isBridge() && GATEWAY_BRIDGE.equals(name);
    }

    public boolean isOverlay()
    {
        return DRIVER_OVERLAY.equals(driver);
    }

    /** Bridge and overlay networks: a domain of the switch, whose endpoints are TAPs with addresses. */
    public boolean isSwitched()
    {
        return isBridge() || isOverlay();
    }

    /** A network of a remote driver plugin (the driver is the plugin's name): its endpoints' interfaces are the plugin's. */
    public boolean isRemote()
    {
        return !isSwitched() && !DRIVER_NULL.equals(driver) && !DRIVER_HOST.equals(driver);
    }

    /** Networks whose endpoints get an interface with an address: switched ones and remote drivers' ones. */
    public boolean isAddressed()
    {
        return isSwitched() || isRemote();
    }

    /** The overlay's VXLAN network identifier. */
    public int vni()
    {
        return Integer.parseInt(options.get(OPTION_VXLAN_ID));
    }

    public int mtu()
    {
        final String mtu = options.get(OPTION_MTU);
        return mtu == null ? DEFAULT_MTU : Integer.parseInt(mtu);
    }

    public String shortId()
    {
        return id.substring(0, 12);
    }
}
