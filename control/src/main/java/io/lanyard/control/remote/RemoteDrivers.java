package io.lanyard.control.remote;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The remote drivers the daemon has activated, by name: a driver is found and activated at its
 * first use, and found again after a call could not reach it (a restarted plugin may have moved).
 * Callers hold the façade's lock; so does this.
 */
public final class RemoteDrivers
{
    private final PluginDiscovery discovery;
    private final Duration timeout;
    private final Map<String, RemoteDriver> active = new HashMap<>();

    public RemoteDrivers(final PluginDiscovery discovery)
    {
        this(discovery, PluginClient.DEFAULT_TIMEOUT);
    }

    /** @param timeout how long each call on a plugin may take before it fails. */
    public RemoteDrivers(final PluginDiscovery discovery, final Duration timeout)
    {
        this.discovery = discovery;
        this.timeout = timeout;
    }

    /**
     * Makes one call on the driver called {@code name}; a {@link PluginException} when the driver
     * cannot be found, activated or refuses. After a failure the driver is found again at its next use.
     */
    public synchronized <T> T call(final String name, final Function<RemoteDriver, T> call)
    {
        try
        {
            return call.apply(driver(name));
        }
        catch (final PluginException ex)
        {
            active.remove(name);
            throw ex;
        }
    }

    private RemoteDriver driver(final String name)
    {
        final RemoteDriver known = active.get(name);
        if (known != null)
        {
            return known;
        }
        final RemoteDriver driver = RemoteDriver.activate(new PluginClient(name, discovery.socketOf(name), timeout));
        active.put(name, driver);
        return driver;
    }
}
