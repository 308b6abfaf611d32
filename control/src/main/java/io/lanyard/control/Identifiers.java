package io.lanyard.control;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Docker-style identifiers: 64 random hex digits, shown shortened to the first 12. */
public final class Identifiers
{
    private static final SecureRandom RANDOM = new SecureRandom();

    private Identifiers()
    {
    }

    public static String newId()
    {
        final byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
