package io.lanyard.vxlan;

import io.lanyard.forwarding.addr.MacAddress;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.LongLongConsumer;

import java.util.Arrays;

/**
 * Where the remote endpoints of every overlay network are: the VXLAN tunnel endpoint (VTEP,
 * an underlay IPv4 address) behind each MAC, each remote IPv4 address's MAC for answering ARP
 * locally, and which VTEPs belong to the network.
 *
 * <p>An overlay network is a bridge domain, numbered as the switch numbers them (0..65535).
 * Per domain the table holds:
 * <ul>
 *   <li><b>endpoints</b> programmed by the control plane: MAC → (IPv4, VTEP). They never age;
 *       the control plane removes them. Their addresses feed proxy ARP ({@link #macOf}).</li>
 *   <li><b>peers</b>: the VTEPs of the other Lanyard hosts on the network (never this host's
 *       own), and <b>static peers</b>: VTEPs that are not Lanyard hosts (a kernel VXLAN device,
 *       a hardware VTEP). Frames are accepted from both and nobody else ({@link #isAccepted});
 *       broadcast and unknown unicast are replicated to both ({@link #floodVteps}).</li>
 *   <li><b>learned</b> MACs: the control plane cannot know what sits behind a static peer, so
 *       the source MACs of frames from static peers are learned, with aging, as a switch
 *       learns ports ({@link #learn}). A programmed endpoint always wins over a learned MAC.</li>
 * </ul>
 *
 * <p>One thread owns it (the forwarding stage); nothing here is thread-safe, and the control
 * plane changes it through commands that thread applies between batches. Keys pack the domain
 * above a 48-bit MAC, or above a 32-bit address; the maps are sized once for their capacity so
 * they never rehash, and adding beyond a capacity is refused and counted. Lookups allocate
 * nothing. The VTEP sets are sorted arrays <em>replaced, never modified</em>, when membership
 * changes, so a later stage may keep reading the flood set it was handed.
 *
 * <p>Learned entries keep their last-seen time in tenths of a second since the table was
 * made (a 32-bit count: 13 years), so aging is exact to within 100 ms.
 */
public final class VtepTable
{
    /** No VTEP: 0.0.0.0 is never a tunnel endpoint. */
    public static final int NO_VTEP = 0;
    public static final long NO_MAC = -1L;
    public static final int[] NO_VTEPS = new int[0];
    public static final int MAX_DOMAIN = 0xFFFF;
    public static final int DEFAULT_ENDPOINT_CAPACITY = 65_536;
    public static final int DEFAULT_LEARNED_CAPACITY = 16_384;
    public static final long DEFAULT_AGING_NANOS = 300_000_000_000L;

    private static final long TICK_NANOS = 100_000_000L;
    /** Refreshing a learned entry on every frame would rewrite the map per frame; once a second is enough for aging. */
    private static final long REFRESH_TICKS = 10;
    private static final long NO_VALUE = 0L;
    private static final long LOW_32 = 0xFFFF_FFFFL;

    /** (domain, MAC) → IPv4 address (0 if none) in the high 32 bits, VTEP in the low 32. */
    private final Long2LongHashMap endpoints;
    /** (domain, IPv4) → MAC, for proxy ARP. */
    private final Long2LongHashMap addresses;
    /** (domain, MAC) → last seen in ticks in the high 32 bits, VTEP in the low 32. */
    private final Long2LongHashMap learned;
    private final int endpointCapacity;
    private final int learnedCapacity;
    private final long agingTicks;
    private final long baseNanos;
    private final int[][] peers;
    private final int[][] staticPeers;
    private final int[][] floodVteps;

    private final long[] collected;
    private int collectedCount;
    private int collectDomain;
    private long expireBeforeTick;
    private final LongLongConsumer collectDomainKey = this::collectDomainKey;
    private final LongLongConsumer collectAddressOfDomain = this::collectAddressOfDomain;
    private final LongLongConsumer collectExpired = this::collectExpired;
    private final LongLongConsumer collectNoLongerStatic = this::collectNoLongerStatic;
    private long lastForcedExpiryTick = Long.MIN_VALUE / 2;

    private long endpointsRefused;
    private long learnRefused;
    private long moves;

    public VtepTable(final int maxDomains, final long nowNanos)
    {
        this(maxDomains, DEFAULT_ENDPOINT_CAPACITY, DEFAULT_LEARNED_CAPACITY, DEFAULT_AGING_NANOS, nowNanos);
    }

    /**
     * @param maxDomains       domains numbered 0..maxDomains-1, at most 65536.
     * @param endpointCapacity most programmed endpoints held at once (all domains together).
     * @param learnedCapacity  most learned MACs held at once (all domains together).
     * @param agingNanos       how long a learned MAC lives without a frame from it.
     * @param nowNanos         the current time of the owner's clock, the zero of the stored times.
     */
    public VtepTable(
        final int maxDomains, final int endpointCapacity, final int learnedCapacity, final long agingNanos, final long nowNanos)
    {
        if (maxDomains <= 0 || maxDomains > MAX_DOMAIN + 1)
        {
            throw new IllegalArgumentException("domains must be in 1..65536: " + maxDomains);
        }
        if (endpointCapacity <= 0 || learnedCapacity <= 0)
        {
            throw new IllegalArgumentException("capacities must be positive: " + endpointCapacity + ", " + learnedCapacity);
        }
        this.endpointCapacity = endpointCapacity;
        this.learnedCapacity = learnedCapacity;
        this.agingTicks = Math.max(1, agingNanos / TICK_NANOS);
        this.baseNanos = nowNanos;
        this.endpoints = new Long2LongHashMap(Math.max(16, endpointCapacity * 2), 0.65f, NO_VALUE);
        this.addresses = new Long2LongHashMap(Math.max(16, endpointCapacity * 2), 0.65f, NO_MAC);
        this.learned = new Long2LongHashMap(Math.max(16, learnedCapacity * 2), 0.65f, NO_VALUE);
        this.collected = new long[Math.max(endpointCapacity, learnedCapacity)];
        this.peers = new int[maxDomains][];
        this.staticPeers = new int[maxDomains][];
        this.floodVteps = new int[maxDomains][];
        Arrays.fill(peers, NO_VTEPS);
        Arrays.fill(staticPeers, NO_VTEPS);
        Arrays.fill(floodVteps, NO_VTEPS);
    }

    public static long macKey(final int domain, final long mac)
    {
        return ((long)domain << 48) | (mac & MacAddress.MASK);
    }

    public static long addressKey(final int domain, final int ipv4)
    {
        return ((long)domain << 32) | (ipv4 & LOW_32);
    }

    // ---------------------------------------------------------------- the hot path

    /**
     * @return the VTEP behind {@code mac} in {@code domain}: the programmed endpoint's, else the
     *         static peer it was learned from if not aged out, else {@link #NO_VTEP}.
     */
    public int vtepOf(final int domain, final long mac, final long nowNanos)
    {
        final long key = macKey(domain, mac);
        final long endpoint = endpoints.get(key);
        if (endpoint != NO_VALUE)
        {
            return (int)endpoint;
        }
        final long entry = learned.get(key);
        if (entry == NO_VALUE || ticks(nowNanos) - (entry >>> 32) >= agingTicks)
        {
            return NO_VTEP;
        }
        return (int)entry;
    }

    /** @return the MAC of the remote endpoint holding {@code ipv4} in {@code domain}, or {@link #NO_MAC}. */
    public long macOf(final int domain, final int ipv4)
    {
        return addresses.get(addressKey(domain, ipv4));
    }

    /**
     * Records that a frame from {@code mac} arrived from {@code vtep}. Only static peers teach:
     * what is behind a Lanyard host is programmed, never learned.
     *
     * @return false when nothing was learned: the VTEP is not a static peer of the domain, the
     *         MAC is a group or zero address or a programmed endpoint's, or the MAC is new and
     *         the table is full (that last refusal is counted in {@link #learnRefused()}).
     */
    public boolean learn(final int domain, final long mac, final int vtep, final long nowNanos)
    {
        if (!contains(staticPeers[domain], vtep) || mac == 0 || MacAddress.isGroup(mac))
        {
            return false;
        }
        final long key = macKey(domain, mac);
        if (endpoints.get(key) != NO_VALUE)
        {
            return false;
        }
        final long nowTicks = ticks(nowNanos);
        final long entry = learned.get(key);
        if (entry == NO_VALUE)
        {
            if (learned.size() >= learnedCapacity && !madeRoom(nowTicks))
            {
                learnRefused++;
                return false;
            }
        }
        else if ((int)entry == vtep)
        {
            if (nowTicks - (entry >>> 32) < REFRESH_TICKS)
            {
                return true;
            }
        }
        else
        {
            moves++;
        }
        learned.put(key, (nowTicks << 32) | (vtep & LOW_32));
        return true;
    }

    /** The VTEPs to replicate broadcast and unknown unicast of {@code domain} to: peers and static peers. Never modified. */
    public int[] floodVteps(final int domain)
    {
        return floodVteps[domain];
    }

    /** A frame of {@code domain} from {@code sourceVtep} may enter: it is a peer or a static peer. */
    public boolean isAccepted(final int domain, final int sourceVtep)
    {
        return contains(floodVteps[domain], sourceVtep);
    }

    /** {@code vtep} is one of the Lanyard hosts on the network. */
    public boolean isMember(final int domain, final int vtep)
    {
        return contains(peers[domain], vtep);
    }

    public boolean isStaticPeer(final int domain, final int vtep)
    {
        return contains(staticPeers[domain], vtep);
    }

    // ---------------------------------------------------------------- the control path

    /**
     * Programs a remote endpoint, replacing what was known of its MAC (programmed or learned).
     *
     * @param ipv4 its address, answered by proxy ARP; 0 for none.
     * @return false when the MAC is new and the table is full (counted in {@link #endpointsRefused()}).
     * @throws IllegalArgumentException for a domain out of range, a zero, group or over-wide MAC,
     *         or {@link #NO_VTEP}; nothing changes then.
     */
    public boolean addEndpoint(final int domain, final long mac, final int ipv4, final int vtep)
    {
        checkDomain(domain);
        if (mac == 0 || (mac & ~MacAddress.MASK) != 0 || MacAddress.isGroup(mac))
        {
            throw new IllegalArgumentException("not an endpoint's MAC: " + Long.toHexString(mac));
        }
        if (vtep == NO_VTEP)
        {
            throw new IllegalArgumentException("no VTEP for " + MacAddress.format(mac));
        }
        final long key = macKey(domain, mac);
        final long old = endpoints.get(key);
        if (old == NO_VALUE)
        {
            if (endpoints.size() >= endpointCapacity)
            {
                endpointsRefused++;
                return false;
            }
        }
        else
        {
            final int oldAddress = (int)(old >>> 32);
            if (oldAddress != ipv4)
            {
                forgetAddress(domain, oldAddress, mac);
            }
        }
        endpoints.put(key, ((long)ipv4 << 32) | (vtep & LOW_32));
        if (ipv4 != 0)
        {
            addresses.put(addressKey(domain, ipv4), mac);
        }
        learned.remove(key);
        return true;
    }

    /** @return whether there was such an endpoint. */
    public boolean removeEndpoint(final int domain, final long mac)
    {
        final long old = endpoints.remove(macKey(domain, mac));
        if (old == NO_VALUE)
        {
            return false;
        }
        forgetAddress(domain, (int)(old >>> 32), mac);
        return true;
    }

    /**
     * Sets the VTEPs of the other Lanyard hosts on the network. The array is copied.
     *
     * @throws IllegalArgumentException when one of them is {@link #NO_VTEP}; nothing changes then.
     */
    public void setPeers(final int domain, final int[] vteps)
    {
        checkDomain(domain);
        peers[domain] = sortedSet(vteps);
        floodVteps[domain] = union(peers[domain], staticPeers[domain]);
    }

    /**
     * Sets the VTEPs that are not Lanyard hosts. The array is copied. MACs learned from a VTEP
     * that is no longer a static peer are forgotten.
     *
     * @throws IllegalArgumentException when one of them is {@link #NO_VTEP}; nothing changes then.
     */
    public void setStaticPeers(final int domain, final int[] vteps)
    {
        checkDomain(domain);
        staticPeers[domain] = sortedSet(vteps);
        floodVteps[domain] = union(peers[domain], staticPeers[domain]);
        collectDomain = domain;
        collectedCount = 0;
        learned.forEachLong(collectNoLongerStatic);
        removeCollected(learned);
    }

    public int[] peers(final int domain)
    {
        return peers[domain];
    }

    public int[] staticPeers(final int domain)
    {
        return staticPeers[domain];
    }

    /** Forgets everything about {@code domain}: endpoints, addresses, learned MACs and VTEP sets. */
    public void clear(final int domain)
    {
        checkDomain(domain);
        peers[domain] = NO_VTEPS;
        staticPeers[domain] = NO_VTEPS;
        floodVteps[domain] = NO_VTEPS;
        collectDomain = domain;

        collectedCount = 0;
        endpoints.forEachLong(collectDomainKey);
        removeCollected(endpoints);
        collectedCount = 0;
        learned.forEachLong(collectDomainKey);
        removeCollected(learned);
        collectedCount = 0;
        addresses.forEachLong(collectAddressOfDomain);
        removeCollected(addresses);
    }

    /** Removes learned MACs not refreshed within the aging time; the owner calls it about once a second. */
    public int expire(final long nowNanos)
    {
        return expireTicks(ticks(nowNanos));
    }

    /** One entry of a dump ({@link #forEach}). */
    @FunctionalInterface
    public interface EntryVisitor
    {
        /**
         * @param ipv4     the endpoint's address, 0 for a learned MAC.
         * @param learned  whether it was learned from traffic (behind a static peer), not programmed from the cluster.
         * @param ageMillis since a frame from a learned MAC was last seen (0 for a programmed endpoint).
         */
        void entry(int domain, long mac, int ipv4, int vtep, boolean learned, long ageMillis);
    }

    /** Visits every programmed endpoint, then every learned MAC still alive at {@code nowNanos}: for table dumps, not for the packet path. */
    public void forEach(final long nowNanos, final EntryVisitor visitor)
    {
        endpoints.forEachLong((key, value) ->
            visitor.entry((int)(key >>> 48), key & MacAddress.MASK, (int)(value >>> 32), (int)(value & LOW_32), false, 0));
        final long now = ticks(nowNanos);
        learned.forEachLong((key, value) ->
        {
            final long age = now - (value >>> 32);
            if (age < agingTicks)
            {
                visitor.entry((int)(key >>> 48), key & MacAddress.MASK, 0, (int)(value & LOW_32), true, Math.max(0, age) * TICK_NANOS / 1_000_000);
            }
        });
    }

    public int endpointCount()
    {
        return endpoints.size();
    }

    public int learnedCount()
    {
        return learned.size();
    }

    public int endpointCapacity()
    {
        return endpointCapacity;
    }

    public int learnedCapacity()
    {
        return learnedCapacity;
    }

    public int maxDomains()
    {
        return peers.length;
    }

    /** New endpoints not programmed because the table was full, since it was made. */
    public long endpointsRefused()
    {
        return endpointsRefused;
    }

    /** New MACs behind static peers not learned because the table was full, since it was made. */
    public long learnRefused()
    {
        return learnRefused;
    }

    /** Learned MACs that moved from one static peer to another, since the table was made. */
    public long moves()
    {
        return moves;
    }

    // ---------------------------------------------------------------- internals

    /** Binary search: flood sets are small, but a membership test runs for every frame received. */
    private static boolean contains(final int[] sortedVteps, final int vtep)
    {
        int low = 0;
        int high = sortedVteps.length - 1;
        while (low <= high)
        {
            final int middle = (low + high) >>> 1;
            final int value = sortedVteps[middle];
            if (value < vtep)
            {
                low = middle + 1;
            }
            else if (value > vtep)
            {
                high = middle - 1;
            }
            else
            {
                return true;
            }
        }
        return false;
    }

    private void forgetAddress(final int domain, final int ipv4, final long mac)
    {
        if (ipv4 == 0)
        {
            return;
        }
        final long addressKey = addressKey(domain, ipv4);
        // another endpoint may have been given the address since; that mapping stays
        if (addresses.get(addressKey) == mac)
        {
            addresses.remove(addressKey);
        }
    }

    /**
     * A full table may still hold learned MACs that aged out but were not yet swept; sweep them
     * now, but at most once a second so a flood of new MACs cannot turn every frame into a sweep.
     */
    private boolean madeRoom(final long nowTicks)
    {
        if (nowTicks - lastForcedExpiryTick < REFRESH_TICKS)
        {
            return false;
        }
        lastForcedExpiryTick = nowTicks;
        return expireTicks(nowTicks) > 0;
    }

    private int expireTicks(final long nowTicks)
    {
        expireBeforeTick = nowTicks - agingTicks;
        collectedCount = 0;
        learned.forEachLong(collectExpired);
        return removeCollected(learned);
    }

    private void collectExpired(final long key, final long value)
    {
        if ((value >>> 32) <= expireBeforeTick)
        {
            collected[collectedCount++] = key;
        }
    }

    private void collectDomainKey(final long key, final long value)
    {
        if ((int)(key >>> 48) == collectDomain)
        {
            collected[collectedCount++] = key;
        }
    }

    private void collectAddressOfDomain(final long key, final long value)
    {
        if ((int)(key >>> 32) == collectDomain)
        {
            collected[collectedCount++] = key;
        }
    }

    private void collectNoLongerStatic(final long key, final long value)
    {
        if ((int)(key >>> 48) == collectDomain && !contains(staticPeers[collectDomain], (int)value))
        {
            collected[collectedCount++] = key;
        }
    }

    private int removeCollected(final Long2LongHashMap map)
    {
        for (int i = 0; i < collectedCount; i++)
        {
            map.remove(collected[i]);
        }
        return collectedCount;
    }

    /** Never negative, so a time from before the table was made cannot spill into the VTEP half of an entry. */
    private long ticks(final long nowNanos)
    {
        return Math.max(0, (nowNanos - baseNanos) / TICK_NANOS);
    }

    private void checkDomain(final int domain)
    {
        if (domain < 0 || domain >= peers.length)
        {
            throw new IllegalArgumentException("domain out of range 0.." + (peers.length - 1) + ": " + domain);
        }
    }

    private static int[] sortedSet(final int[] vteps)
    {
        if (vteps.length == 0)
        {
            return NO_VTEPS;
        }
        final int[] sorted = vteps.clone();
        Arrays.sort(sorted);
        int distinct = 0;
        for (int i = 0; i < sorted.length; i++)
        {
            if (sorted[i] == NO_VTEP)
            {
                throw new IllegalArgumentException("0.0.0.0 is not a VTEP");
            }
            if (distinct == 0 || sorted[distinct - 1] != sorted[i])
            {
                sorted[distinct++] = sorted[i];
            }
        }
        return distinct == sorted.length ? sorted : Arrays.copyOf(sorted, distinct);
    }

    private static int[] union(final int[] a, final int[] b)
    {
        if (b.length == 0)
        {
            return a;
        }
        if (a.length == 0)
        {
            return b;
        }
        final int[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return sortedSet(both);
    }
}
