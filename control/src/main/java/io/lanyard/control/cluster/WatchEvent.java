package io.lanyard.control.cluster;

import java.nio.charset.StandardCharsets;

/**
 * One change seen by a {@link Watch}.
 *
 * @param type     a put (create or update) or a delete (by hand or by lease expiry).
 * @param key      the key changed.
 * @param value    the new value; empty for a delete.
 * @param revision the store revision of the change (several keys changed in one transaction share it).
 */
public record WatchEvent(Type type, String key, byte[] value, long revision)
{
    public enum Type
    {
        PUT,
        DELETE
    }

    /** The value as UTF-8 text. */
    public String text()
    {
        return new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public String toString()
    {
        return type + " " + key + " @" + revision + (type == Type.PUT ? " (" + value.length + " bytes)" : "");
    }
}
