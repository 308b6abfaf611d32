package io.lanyard.control.model;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One IPAM configuration entry of a network, as Docker shows it: the subnet, its gateway, the
 * range dynamic allocation draws from (null: the whole subnet) and auxiliary addresses that
 * are never handed out, in the order they were given.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IpamPool(String subnet, String gateway, String ipRange, Map<String, String> auxAddresses)
{
    public IpamPool
    {
        auxAddresses = auxAddresses == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(auxAddresses));
    }
}
