package io.lanyard.client.api;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code POST /ports}: make a persistent TAP in the daemon's namespace for a VM monitor to open
 * by name (QEMU's {@code -netdev tap,ifname=NAME}, Firecracker's {@code host_dev_name}), with
 * the guest's endpoint on a network. The daemon checks every value; this record only carries
 * them, spelled as given.
 *
 * @param name        the TAP's name (at most 15 characters), also the guest's DNS name; required.
 * @param network     the network's name or ID; required.
 * @param macAddress  the guest's MAC, or null for one made from its address.
 * @param ipv4Address the guest's address, or null for the next free one of the network's pool.
 * @param user        the numeric user ID that may open the TAP, or null for root only.
 */
public record PortCreateRequest(String name, String network, String macAddress, String ipv4Address, String user)
{
    private static final String NAME = "Name";
    private static final String NETWORK = "Network";
    private static final String MAC_ADDRESS = "MacAddress";
    private static final String IPV4_ADDRESS = "IPv4Address";
    private static final String USER = "User";

    @JsonValue
    public ObjectNode toJson()
    {
        final ObjectNode json = JsonFields.object();
        json.put(NAME, name);
        json.put(NETWORK, network);
        json.put(MAC_ADDRESS, macAddress);
        json.put(IPV4_ADDRESS, ipv4Address);
        json.put(USER, user);
        return json;
    }

    /**
     * Reads a request body.
     *
     * @throws InvalidRequestException naming the first field missing or of the wrong type.
     */
    public static PortCreateRequest fromJson(final JsonNode json)
    {
        final PortCreateRequest request = new PortCreateRequest(JsonFields.text(json, NAME), JsonFields.text(json, NETWORK),
            JsonFields.text(json, MAC_ADDRESS), JsonFields.text(json, IPV4_ADDRESS), JsonFields.text(json, USER));
        AttachRequest.require(request.name(), NAME, "the TAP's name");
        AttachRequest.require(request.network(), NETWORK, "the network");
        return request;
    }
}
