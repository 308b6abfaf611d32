package io.lanyard.forwarding.l3;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NeighbourCacheTest
{
    private static final int GATEWAY = 0xC000_0201;
    private static final long GATEWAY_MAC = 0x5254_0000_0001L;
    private static final long T0 = 1_000_000L;

    private final NeighbourCache cache = new NeighbourCache();

    @Test
    void shouldAnswerTheMacOfANeighbourAndNoMacForAStranger()
    {
        cache.put(GATEWAY, GATEWAY_MAC);

        assertEquals(GATEWAY_MAC, cache.macOf(GATEWAY));
        assertTrue(cache.contains(GATEWAY));
        assertEquals(NeighbourCache.NO_MAC, cache.macOf(GATEWAY + 1));
        assertFalse(cache.contains(GATEWAY + 1));
    }

    @Test
    void shouldCacheNoNewNeighbourPastItsLimitButKeepUpdatingKnownOnes()
    {
        for (int i = 0; i < NeighbourCache.LIMIT; i++)
        {
            cache.put(0x0A00_0000 + i, 0x0200_0000_0000L + i);
        }

        cache.put(0x0B00_0000, 0x0200_0000_FFFFL);
        cache.put(0x0A00_0000, 0x0200_0000_AAAAL);

        assertEquals(NeighbourCache.NO_MAC, cache.macOf(0x0B00_0000));
        assertEquals(0x0200_0000_AAAAL, cache.macOf(0x0A00_0000), "a neighbour that moved is still followed");
    }

    @Test
    void shouldLetARequestForAnAddressOutAtMostOnceASecond()
    {
        assertTrue(cache.mayAsk(GATEWAY, T0));
        assertFalse(cache.mayAsk(GATEWAY, T0 + NeighbourCache.RETRY_MILLIS - 1));
        assertTrue(cache.mayAsk(GATEWAY + 1, T0 + 1), "another address asks on its own clock");
        assertTrue(cache.mayAsk(GATEWAY, T0 + NeighbourCache.RETRY_MILLIS));
        assertFalse(cache.mayAsk(GATEWAY, T0 + NeighbourCache.RETRY_MILLIS + 1));
    }

    @Test
    void shouldStartItsRecordOfRequestsAfreshWhenItFills()
    {
        for (int i = 0; i < NeighbourCache.LIMIT; i++)
        {
            assertTrue(cache.mayAsk(0x0A00_0000 + i, T0));
        }

        assertTrue(cache.mayAsk(0x0B00_0000, T0), "the record is emptied to make room");
        assertTrue(cache.mayAsk(0x0A00_0000, T0), "so an address asked for just now may ask again");
    }

    @Test
    void shouldForgetNeighboursAndRequestsWhenCleared()
    {
        cache.put(GATEWAY, GATEWAY_MAC);
        cache.mayAsk(GATEWAY + 1, T0);

        cache.clear();

        assertEquals(NeighbourCache.NO_MAC, cache.macOf(GATEWAY));
        assertTrue(cache.mayAsk(GATEWAY + 1, T0));
    }
}
