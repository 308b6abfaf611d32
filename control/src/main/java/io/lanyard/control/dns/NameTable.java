package io.lanyard.control.dns;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;

/**
 * The names the embedded DNS answers, scoped per network as Docker's are: on each network, a
 * container is known by its name, its aliases on that network, its 12-hex short ID and
 * {@code NAME.NETWORK}; a sandbox resolves only names of the networks it is attached to.
 *
 * <p>Names are matched without regard to case and to a trailing dot. Several containers sharing
 * a name (an alias) all answer, in a new random order each time (Docker's round-robin).
 *
 * <p>Lookups (from the resolver's thread) take no lock: each network's names live in a
 * concurrent map whose values, the entries of one name, are immutable lists replaced whole, so a
 * lookup sees each name before a change or after it, never half of it. Changes (from the control
 * plane) are serialized and touch only the names of the endpoints they change: at 1,000
 * containers, rebuilding the whole table after every change cost about a millisecond per
 * change, and more with every container.
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

    /** Network ID → name → entries, in the order they were added. */
    private final Map<String, Map<String, List<Entry>>> byNetwork = new ConcurrentHashMap<>();
    /** Network ID → address → the PTR answer. */
    private final Map<String, Map<Integer, String>> reverseIndex = new ConcurrentHashMap<>();
    /** Network ID → endpoint ID → its binding there, as last added: what to take away when it changes. Writers only. */
    private final Map<String, Map<String, Binding>> bindings = new HashMap<>();

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

        /** Every name it answers to on its network, canonical: each name, and each as {@code NAME.NETWORK}. */
        Set<String> keys()
        {
            final Set<String> all = new LinkedHashSet<>();
            for (final String name : names)
            {
                all.add(canonical(name));
                all.add(canonical(name) + "." + canonical(networkName));
            }
            return all;
        }

        Entry entry()
        {
            // names match in any case, but a PTR answer spells the container and network as they were given
            return new Entry(endpointId, names.get(0) + "." + networkName, address);
        }
    }

    /** Makes a container's interface resolvable on a network (replacing what it had there). */
    public synchronized void add(final String networkId, final String networkName, final String endpointId, final int address,
        final Collection<String> names)
    {
        put(new Binding(networkId, networkName, endpointId, address, List.copyOf(names)));
    }

    /** Makes the binding's interface resolvable on its network, replacing what it had there; its other names are untouched. */
    public synchronized void put(final Binding binding)
    {
        final Map<String, Binding> network = bindings.computeIfAbsent(binding.networkId(), id -> new HashMap<>());
        final Binding before = network.put(binding.endpointId(), binding);
        if (binding.equals(before))
        {
            return;
        }
        final Map<String, List<Entry>> names = byNetwork.computeIfAbsent(binding.networkId(), id -> new ConcurrentHashMap<>());
        final Entry entry = binding.entry();
        final Set<String> keys = binding.keys();
        for (final String name : keys)
        {
            names.compute(name, (key, entries) -> with(entries, entry));
        }
        reverseIndex.computeIfAbsent(binding.networkId(), id -> new ConcurrentHashMap<>()).put(binding.address(), entry.reverseName());
        if (before != null)
        {
            final Set<String> dropped = new HashSet<>(before.keys());
            dropped.removeAll(keys);
            dropped.forEach(name -> without(names, name, binding.endpointId()));
            if (before.address() != binding.address())
            {
                unindex(before);
            }
        }
    }

    /**
     * Makes exactly {@code all} resolvable: what is not among them stops resolving, what is starts,
     * and each name changes from its old answer to its new one in one step.
     */
    public synchronized void replaceAll(final Collection<Binding> all)
    {
        final Map<String, Set<String>> kept = new HashMap<>();
        for (final Binding binding : all)
        {
            kept.computeIfAbsent(binding.networkId(), id -> new HashSet<>()).add(binding.endpointId());
        }
        for (final Map.Entry<String, Map<String, Binding>> network : List.copyOf(bindings.entrySet()))
        {
            final Set<String> stays = kept.getOrDefault(network.getKey(), Set.of());
            for (final String endpointId : List.copyOf(network.getValue().keySet()))
            {
                if (!stays.contains(endpointId))
                {
                    remove(network.getKey(), endpointId);
                }
            }
        }
        all.forEach(this::put);
    }

    /** A container's interface leaves a network: its names there stop resolving at once. */
    public synchronized void remove(final String networkId, final String endpointId)
    {
        final Map<String, Binding> network = bindings.get(networkId);
        final Binding before = network == null ? null : network.remove(endpointId);
        if (before == null)
        {
            return;
        }
        final Map<String, List<Entry>> names = byNetwork.get(networkId);
        before.keys().forEach(name -> without(names, name, endpointId));
        unindex(before);
        if (network.isEmpty())
        {
            removeNetwork(networkId);
        }
    }

    /** A network is gone, with every name on it. */
    public synchronized void removeNetwork(final String networkId)
    {
        bindings.remove(networkId);
        byNetwork.remove(networkId);
        reverseIndex.remove(networkId);
    }

    /**
     * The addresses {@code name} has on the given networks, shuffled; empty when it is no
     * container's there.
     */
    public List<Integer> resolve(final Collection<String> networkIds, final String name, final RandomGenerator random)
    {
        final String key = canonical(name);
        final Set<Integer> addresses = new LinkedHashSet<>();
        for (final String networkId : networkIds)
        {
            for (final Entry entry : byNetwork.getOrDefault(networkId, Map.of()).getOrDefault(key, List.of()))
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
        for (final String networkId : networkIds)
        {
            if (byNetwork.getOrDefault(networkId, Map.of()).containsKey(key))
            {
                return true;
            }
        }
        return false;
    }

    /** The container name (as {@code NAME.NETWORK}) for an address on the given networks, for PTR queries. */
    public Optional<String> reverse(final Collection<String> networkIds, final int address)
    {
        for (final String networkId : networkIds)
        {
            final String name = reverseIndex.getOrDefault(networkId, Map.of()).get(address);
            if (name != null)
            {
                return Optional.of(name);
            }
        }
        return Optional.empty();
    }

    /** A name as compared: lower case, without a trailing dot. */
    static String canonical(final String name)
    {
        final String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    /** Takes the binding's address out of the reverse index, unless another endpoint has answered for it since. */
    private void unindex(final Binding gone)
    {
        final Map<Integer, String> reverse = reverseIndex.get(gone.networkId());
        if (reverse != null)
        {
            reverse.remove(gone.address(), gone.entry().reverseName());
        }
    }

    private static List<Entry> with(final List<Entry> entries, final Entry entry)
    {
        if (entries == null)
        {
            return List.of(entry);
        }
        final List<Entry> more = new ArrayList<>(entries.size() + 1);
        for (final Entry existing : entries)
        {
            if (!existing.endpointId().equals(entry.endpointId()))
            {
                more.add(existing);
            }
        }
        more.add(entry);
        return List.copyOf(more);
    }

    private static void without(final Map<String, List<Entry>> names, final String name, final String endpointId)
    {
        names.computeIfPresent(name, (key, entries) ->
        {
            final List<Entry> fewer = entries.stream().filter(entry -> !entry.endpointId().equals(endpointId)).toList();
            return fewer.isEmpty() ? null : fewer;
        });
    }
}
