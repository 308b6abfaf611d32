package io.lanyard.control.cluster;

import java.nio.charset.StandardCharsets;

/**
 * One key as the store holds it.
 *
 * @param key            the key.
 * @param value          the bytes stored (the array is the caller's; the store never reuses it).
 * @param modRevision    the store revision of the last write to the key; what
 *                       {@link ClusterStore#compareAndSet} and {@link ClusterStore#deleteIfUnchanged} compare.
 * @param createRevision the store revision that created the key.
 * @param leaseId        the lease the key lives under, 0 for none.
 */
public record Entry(String key, byte[] value, long modRevision, long createRevision, long leaseId)
{
    /** The value as UTF-8 text. */
    public String text()
    {
        return new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public String toString()
    {
        return "Entry[" + key + " @" + modRevision + ", " + value.length + " bytes" + (leaseId == 0 ? "" : ", lease " + Long.toHexString(leaseId)) + "]";
    }
}
