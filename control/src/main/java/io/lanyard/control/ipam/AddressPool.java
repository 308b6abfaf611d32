package io.lanyard.control.ipam;

import io.lanyard.forwarding.addr.Ipv4Address;
import io.lanyard.forwarding.addr.Ipv4Cidr;

import java.util.BitSet;

/**
 * The addresses of one subnet and which of them are taken.
 *
 * <p>The network and broadcast addresses, the gateway and auxiliary addresses are reserved from
 * the start. Dynamic allocation hands out the lowest free address inside the allocation range
 * (the whole subnet unless an ip-range narrows it), so an address freed by a removed sandbox is
 * the next one given out — Docker's behaviour on a fresh daemon. A static request may name any
 * free address of the subnet, in the range or not.
 */
public final class AddressPool
{
    private final Ipv4Cidr subnet;
    private final Ipv4Cidr range;
    private final int gateway;
    private final BitSet taken = new BitSet();
    /** Never handed out and never released: network, broadcast, gateway and auxiliary addresses. */
    private final BitSet reserved = new BitSet();
    private final int size;

    public AddressPool(final Ipv4Cidr subnet, final int gateway, final Ipv4Cidr range)
    {
        if (subnet.prefixLength() < 8)
        {
            throw new IllegalArgumentException("subnet too large: " + subnet);
        }
        this.subnet = subnet.canonical();
        this.range = range == null ? this.subnet : range.canonical();
        if (!this.subnet.contains(this.range))
        {
            throw new IllegalArgumentException("ip-range " + range + " is not inside subnet " + subnet);
        }
        this.gateway = gateway;
        this.size = (int)this.subnet.size();
        if (size > 2)
        {
            reserve(this.subnet.network());
            reserve(this.subnet.broadcast());
        }
        reserve(gateway);
    }

    public Ipv4Cidr subnet()
    {
        return subnet;
    }

    public int gateway()
    {
        return gateway;
    }

    public boolean contains(final int address)
    {
        return subnet.contains(address);
    }

    public boolean isTaken(final int address)
    {
        return taken.get(offset(address));
    }

    /** Marks {@code address} as never to be handed out nor released (gateway, auxiliary). */
    public void reserve(final int address)
    {
        final int offset = offset(address);
        reserved.set(offset);
        taken.set(offset);
    }

    /** Marks {@code address} as taken by an endpoint restored from the state. */
    public void markTaken(final int address)
    {
        taken.set(offset(address));
    }

    /**
     * @return the lowest free address of the allocation range.
     * @throws PoolExhaustedException when none is free.
     */
    public int allocate()
    {
        final int first = range.network() - subnet.network();
        final int end = first + (int)range.size();
        final int free = taken.nextClearBit(first);
        if (free >= end || free >= size)
        {
            throw new PoolExhaustedException("no available IPv4 addresses on this network's address pools: " + subnet);
        }
        taken.set(free);
        return subnet.network() + free;
    }

    /**
     * Takes a specific address.
     *
     * @throws IllegalArgumentException when the address is outside the subnet or already taken.
     */
    public void allocate(final int address)
    {
        if (!contains(address))
        {
            throw new IllegalArgumentException("address " + Ipv4Address.format(address) + " is outside subnet " + subnet);
        }
        final int offset = offset(address);
        if (taken.get(offset))
        {
            throw new AddressInUseException("address already in use: " + Ipv4Address.format(address));
        }
        taken.set(offset);
    }

    public void release(final int address)
    {
        if (contains(address) && !reserved.get(offset(address)))
        {
            taken.clear(offset(address));
        }
    }

    /** Addresses taken, reserved ones included. */
    public int takenCount()
    {
        return taken.cardinality();
    }

    private int offset(final int address)
    {
        if (!subnet.contains(address))
        {
            throw new IllegalArgumentException("address " + Ipv4Address.format(address) + " is outside subnet " + subnet);
        }
        return address - subnet.network();
    }
}
