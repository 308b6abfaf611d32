package io.lanyard.client.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One entry of a network create request's {@code IPAM.Config}, Docker's {@code IPAMConfig}.
 *
 * @param subnet       in CIDR form; null lets the daemon pick one.
 * @param gateway      null for the subnet's first address.
 * @param ipRange      the part of the subnet dynamic allocation draws from; null for all of it.
 * @param auxAddresses addresses never handed out, by name, in the order given.
 */
public record IpamConfig(String subnet, String gateway, String ipRange, Map<String, String> auxAddresses)
{
    private static final String SUBNET = "Subnet";
    private static final String GATEWAY = "Gateway";
    private static final String IP_RANGE = "IPRange";
    private static final String AUX_ADDRESSES = "AuxiliaryAddresses";

    public IpamConfig
    {
        auxAddresses = auxAddresses == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(auxAddresses));
    }

    /** As Docker's CLI writes it: only what was given. */
    ObjectNode toJson()
    {
        final ObjectNode json = JsonFields.object();
        json.put(SUBNET, subnet);
        if (gateway != null)
        {
            json.put(GATEWAY, gateway);
        }
        if (ipRange != null)
        {
            json.put(IP_RANGE, ipRange);
        }
        if (!auxAddresses.isEmpty())
        {
            JsonFields.putStringMap(json, AUX_ADDRESSES, auxAddresses);
        }
        return json;
    }

    static IpamConfig fromJson(final JsonNode json)
    {
        return new IpamConfig(JsonFields.text(json, SUBNET), JsonFields.text(json, GATEWAY), JsonFields.text(json, IP_RANGE),
            JsonFields.stringMap(json, AUX_ADDRESSES));
    }
}
