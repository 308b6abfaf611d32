package io.lanyard.control;

import io.lanyard.control.model.IpamPool;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds what {@code lanyard network create} would send, one flag at a time, as tests spell it. */
public final class NetworkRequest
{
    private final String name;
    private String driver;
    private final List<IpamPool> ipam = new ArrayList<>();
    private boolean internal;
    private boolean attachable;
    private final Map<String, String> options = new LinkedHashMap<>();
    private final Map<String, String> labels = new LinkedHashMap<>();

    private NetworkRequest(final String name)
    {
        this.name = name;
    }

    public static NetworkRequest named(final String name)
    {
        return new NetworkRequest(name);
    }

    public NetworkRequest driver(final String newDriver)
    {
        this.driver = newDriver;
        return this;
    }

    /** {@code --subnet S}, with the gateway left to the daemon. */
    public NetworkRequest subnet(final String subnet)
    {
        return pool(new IpamPool(subnet, null, null, null));
    }

    public NetworkRequest pool(final IpamPool pool)
    {
        ipam.add(pool);
        return this;
    }

    public NetworkRequest internal()
    {
        this.internal = true;
        return this;
    }

    public NetworkRequest attachable()
    {
        this.attachable = true;
        return this;
    }

    public NetworkRequest option(final String key, final String value)
    {
        options.put(key, value);
        return this;
    }

    public NetworkRequest label(final String key, final String value)
    {
        labels.put(key, value);
        return this;
    }

    public NetworkCreate build()
    {
        return new NetworkCreate(name, driver, ipam, internal, attachable, options, labels);
    }
}
