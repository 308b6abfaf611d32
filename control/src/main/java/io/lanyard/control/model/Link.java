package io.lanyard.control.model;

/**
 * A legacy link ({@code run --link NAME[:ALIAS]}): the container it names, and the alias the
 * linking container knows it by (its name when no alias is given).
 */
public record Link(String name, String alias)
{
    /** Reads {@code NAME} or {@code NAME:ALIAS} (Docker's spelling; a leading {@code /} on either is ignored). */
    public static Link parse(final String spec)
    {
        final String[] parts = spec.split(":", -1);
        if (parts.length > 2)
        {
            throw new IllegalArgumentException("invalid link \"" + spec + "\": expected NAME[:ALIAS]");
        }
        final String name = strip(parts[0]);
        final String alias = parts.length == 2 ? strip(parts[1]) : name;
        if (name.isEmpty() || alias.isEmpty())
        {
            throw new IllegalArgumentException("invalid link \"" + spec + "\": expected NAME[:ALIAS]");
        }
        return new Link(name, alias);
    }

    /** As stored and shown: {@code NAME:ALIAS}. */
    public String spec()
    {
        return name + ":" + alias;
    }

    private static String strip(final String part)
    {
        return part.startsWith("/") ? part.substring(1) : part;
    }
}
