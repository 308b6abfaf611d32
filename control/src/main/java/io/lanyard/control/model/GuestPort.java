package io.lanyard.control.model;

import java.time.Instant;

/**
 * A TAP handed over by name to a VM monitor ({@code lanyard port create}): a persistent device
 * in the daemon's own namespace whose file end the monitor opens, and the guest's endpoint on a
 * network. The endpoint is an endpoint like a sandbox's (an address and MAC from the network's
 * pools, its name in the embedded DNS); its {@code interfaceName} is the TAP's name, and its MAC
 * is the one the guest is to use.
 *
 * @param owner the user allowed to open the TAP without CAP_NET_ADMIN, or null for root only.
 * @param state {@link Sandbox#CREATING} and {@link Sandbox#REMOVING} are written before the
 *              device is made or deleted, so a daemon that dies half-way knows on restart what
 *              to undo or finish; {@link Sandbox#READY} once it is whole.
 */
public record GuestPort(String id, String name, Integer owner, Instant created, String state, Endpoint endpoint)
{
    public GuestPort withState(final String newState)
    {
        return new GuestPort(id, name, owner, created, newState, endpoint);
    }
}
