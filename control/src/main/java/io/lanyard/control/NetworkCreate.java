package io.lanyard.control;

import io.lanyard.control.model.IpamPool;

import java.util.List;
import java.util.Map;

/**
 * What {@code lanyard network create} asks for, as the control plane takes it: Docker's
 * {@code NetworkCreateRequest} with its IPAM configuration read into pools.
 */
public record NetworkCreate(String name, String driver, List<IpamPool> ipam, boolean internal, boolean attachable,
    Map<String, String> options, Map<String, String> labels)
{
    public NetworkCreate
    {
        ipam = ipam == null ? List.of() : List.copyOf(ipam);
        options = options == null ? Map.of() : Map.copyOf(options);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
