package io.lanyard.control.dns;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The names the embedded DNS answers, scoped per network as Docker's are: on each network, a
 * container is known by its name, its aliases on that network, its 12-hex short ID and
 * {@code NAME.NETWORK}; a sandbox resolves only names of the networks it is attached to.
 *
 * <p>Names are matched without regard to case and to a trailing dot. Several containers sharing
 * a name (an alias) all answer, in a new random order each time (Docker's round-robin).
 *
 * <p>Changes replace an immutable snapshot, so lookups (from the resolver's threads) take no
 * lock and always see one whole state; changes (from the control plane) are serialized.
 */
public final class NameTable
{
    /**
     * One container's interface on one network, as the DNS knows it.
     *
     * @param reverseName what a PTR query for its address answers: {@code NAME.NETWORK}.
     */
    record Entry(String endpointId, String reverseName, int address)
    {
    }

    /** Network ID → name → entries; entries in the order they were added. */
    private volatile Map<String, Map<String, List<Entry>>> byNetwork = Map.of();
    /** Network ID → address → the PTR answer; rebuilt with {@link #byNetwork}, published after it. */
    private volatile Map<String, Map<Integer, String>> reverseIndex = Map.of();

    /**
     * One container's interface on one network, as the control plane states it.
     *
     * @param names its container name first, then its aliases and short ID; {@code NAME.NETWORK}
     *              is added for each.
     */
    public record Binding(String networkId, String networkName, String endpointId, int address, List<String> names)
    {
        public Binding
        {
            names = List.copyOf(names);
            if (names.isEmpty())
            {
                throw new IllegalArgumentException("an endpoint needs at least its container name");
            }
        }
    }

    /** Makes a container's interface resolvable on a network (replacing what it had there). */
    public synchronized void add(final String networkId, final String networkName, final String endpointId, final int address,
        final Collection<String> names)
    {
        final Binding binding = new Binding(networkId, networkName, endpointId, address, List.copyOf(names));
        final Map<String, Map<String, List<Entry>>> next = copy(byNetwork);
        removeFrom(next, networkId, endpointId);
        put(next, binding);
        publish(next);
    }

    /**
     * Makes exactly {@code bindings} resolvable, in one step: what is not among them stops
     * resolving and what is starts, with no moment in between where a lookup sees neither.
     */
    public synchronized void replaceAll(final Collection<Binding> bindings)
    {
        final Map<String, Map<String, List<Entry>>> next = new HashMap<>();
        bindings.forEach(binding -> put(next, binding));
        publish(next);
    }

    private static void put(final Map<String, Map<String, List<Entry>>> table, final Binding binding)
    {
        final Map<String, List<Entry>> network = table.computeIfAbsent(binding.networkId(), id -> new HashMap<>());
        // names match in any case, but a PTR answer spells the container and network as they were given
        final Entry entry = new Entry(binding.endpointId(), binding.names().get(0) + "." + binding.networkName(), binding.address());
        final Set<String> all = new LinkedHashSet<>();
        for (final String name : binding.names())
        {
            all.add(canonical(name));
            all.add(canonical(name) + "." + canonical(binding.networkName()));
        }
        for (final String name : all)
        {
            network.computeIfAbsent(name, n -> new ArrayList<>()).add(entry);
        }
    }

    /** A container's interface leaves a network: its names there stop resolving at once. */
    public synchronized void remove(final String networkId, final String endpointId)
    {
        final Map<String, Map<String, List<Entry>>> next = copy(byNetwork);
        removeFrom(next, networkId, endpointId);
        publish(next);
    }

    /** A network is gone, with every name on it. */
    public synchronized void removeNetwork(final String networkId)
    {
        final Map<String, Map<String, List<Entry>>> next = copy(byNetwork);
        next.remove(networkId);
        publish(next);
    }

    /**
     * The addresses {@code name} has on the given networks, shuffled; empty when it is no
     * container's there.
     */
    public List<Integer> resolve(final Collection<String> networkIds, final String name, final RandomGenerator random)
    {
        final String key = canonical(name);
        final Map<String, Map<String, List<Entry>>> snapshot = byNetwork;
        final Set<Integer> addresses = new LinkedHashSet<>();
        for (final String networkId : networkIds)
        {
            for (final Entry entry : snapshot.getOrDefault(networkId, Map.of()).getOrDefault(key, List.of()))
            {
                addresses.add(entry.address());
            }
        }
        final List<Integer> shuffled = new ArrayList<>(addresses);
        for (int i = shuffled.size() - 1; i > 0; i--)
        {
            Collections.swap(shuffled, i, random.nextInt(i + 1));
        }
        return shuffled;
    }

    /** Whether {@code name} is a container's on the given networks (for types other than A: an empty answer, not a forward). */
    public boolean isKnown(final Collection<String> networkIds, final String name)
    {
        final String key = canonical(name);
        final Map<String, Map<String, List<Entry>>> snapshot = byNetwork;
        for (final String networkId : networkIds)
        {
            if (snapshot.getOrDefault(networkId, Map.of()).containsKey(key))
            {
                return true;
            }
        }
        return false;
    }

    /** The container name (as {@code NAME.NETWORK}) for an address on the given networks, for PTR queries. */
    public Optional<String> reverse(final Collection<String> networkIds, final int address)
    {
        final Map<String, Map<Integer, String>> snapshot = reverseIndex;
        for (final String networkId : networkIds)
        {
            final String name = snapshot.getOrDefault(networkId, Map.of()).get(address);
            if (name != null)
            {
                return Optional.of(name);
            }
        }
        return Optional.empty();
    }

    private void publish(final Map<String, Map<String, List<Entry>>> next)
    {
        final Map<String, Map<String, List<Entry>>> frozen = freeze(next);
        final Map<String, Map<Integer, String>> reverse = new HashMap<>();
        frozen.forEach((networkId, names) ->
        {
            final Map<Integer, String> byAddress = new HashMap<>();
            // one address is one container's on a network (IPAM sees to it)
            names.values().forEach(entries -> entries.forEach(entry -> byAddress.putIfAbsent(entry.address(), entry.reverseName())));
            reverse.put(networkId, Map.copyOf(byAddress));
        });
        byNetwork = frozen;
        reverseIndex = Map.copyOf(reverse);
    }

    /** A name as compared: lower case, without a trailing dot. */
    static String canonical(final String name)
    {
        final String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    private static void removeFrom(final Map<String, Map<String, List<Entry>>> table, final String networkId, final String endpointId)
    {
        final Map<String, List<Entry>> network = table.get(networkId);
        if (network == null)
        {
            return;
        }
        network.values().forEach(entries -> entries.removeIf(entry -> entry.endpointId().equals(endpointId)));
        network.values().removeIf(List::isEmpty);
        if (network.isEmpty())
        {
            table.remove(networkId);
        }
    }

    private static Map<String, Map<String, List<Entry>>> copy(final Map<String, Map<String, List<Entry>>> table)
    {
        final Map<String, Map<String, List<Entry>>> copy = new HashMap<>();
        table.forEach((networkId, names) ->
        {
            final Map<String, List<Entry>> namesCopy = new HashMap<>();
            names.forEach((name, entries) -> namesCopy.put(name, new ArrayList<>(entries)));
            copy.put(networkId, namesCopy);
        });
        return copy;
    }

    private static Map<String, Map<String, List<Entry>>> freeze(final Map<String, Map<String, List<Entry>>> table)
    {
        final Map<String, Map<String, List<Entry>>> frozen = new HashMap<>();
        table.forEach((networkId, names) ->
        {
            final Map<String, List<Entry>> namesFrozen = new HashMap<>();
            names.forEach((name, entries) -> namesFrozen.put(name, List.copyOf(entries)));
            frozen.put(networkId, Map.copyOf(namesFrozen));
        });
        return Map.copyOf(frozen);
    }
}
