package io.lanyard.control.cluster;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;

/**
 * Every key under a prefix as of one store revision. Watching the prefix from
 * {@code revision() + 1} then delivers exactly the changes made after this read.
 *
 * @param revision the store revision the read saw.
 * @param entries  the keys under the prefix, sorted, each with its revisions.
 */
public record PrefixSnapshot(long revision, SortedMap<String, Entry> entries)
{
    public PrefixSnapshot
    {
        entries = Collections.unmodifiableSortedMap(entries);
    }

    /** Key to value, in key order. */
    public Map<String, byte[]> values()
    {
        final Map<String, byte[]> values = new LinkedHashMap<>(entries.size() * 2);
        entries.forEach((key, entry) -> values.put(key, entry.value()));
        return values;
    }
}
