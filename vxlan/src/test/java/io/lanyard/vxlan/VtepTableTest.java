package io.lanyard.vxlan;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VtepTableTest
{
    private static final long MILLI = 1_000_000L;
    private static final long SECOND = 1_000_000_000L;
    /** An arbitrary clock origin, far from zero, as System.nanoTime() would be. */
    private static final long T0 = 7_654_321_000_000_000L;
    private static final long AGING = 300 * SECOND;

    private static final int OVERLAY = 3;
    private static final int OTHER_OVERLAY = 4;
    /** Hosts on the underlay 192.0.2.0/24: B and C run Lanyard, K is a kernel VXLAN device. */
    private static final int HOST_B = 0xC000_0202;
    private static final int HOST_C = 0xC000_0203;
    private static final int KERNEL_K = 0xC000_0209;
    private static final int STRANGER = 0xC000_02FE;

    private static final int IP_2 = 0x0A00_0002;
    private static final int IP_3 = 0x0A00_0003;
    private static final long MAC_2 = 0x0242_0A00_0002L;
    private static final long MAC_3 = 0x0242_0A00_0003L;
    /** A MAC behind the kernel VTEP, which the control plane never programs. */
    private static final long MAC_K = 0x5E00_5300_0042L;

    private final VtepTable table = new VtepTable(16, 8, 4, AGING, T0);

    @Test
    void shouldFindTheVtepOfAProgrammedEndpoint()
    {
        assertTrue(table.addEndpoint(OVERLAY, MAC_2, IP_2, HOST_B));

        assertEquals(HOST_B, table.vtepOf(OVERLAY, MAC_2, T0));
        assertEquals(VtepTable.NO_VTEP, table.vtepOf(OVERLAY, MAC_3, T0));
        assertEquals(VtepTable.NO_VTEP, table.vtepOf(OTHER_OVERLAY, MAC_2, T0), "networks do not share endpoints");
        assertEquals(1, table.endpointCount());
    }

    @Test
    void shouldNeverAgeAProgrammedEndpoint()
    {
        table.addEndpoint(OVERLAY, MAC_2, IP_2, HOST_B);

        assertEquals(0, table.expire(T0 + 100 * AGING));
        assertEquals(HOST_B, table.vtepOf(OVERLAY, MAC_2, T0 + 100 * AGING));
    }

    @Test
    void shouldAnswerTheMacOfARemoteAddressForProxyArp()
    {
        table.addEndpoint(OVERLAY, MAC_2, IP_2, HOST_B);
        table.addEndpoint(OVERLAY, MAC_3, 0, HOST_C);

        assertEquals(MAC_2, table.macOf(OVERLAY, IP_2));
        assertEquals(VtepTable.NO_MAC, table.macOf(OVERLAY, IP_3));
        assertEquals(VtepTable.NO_MAC, table.macOf(OVERLAY, 0), "an endpoint without an address is not answered for");
        assertEquals(VtepTable.NO_MAC, table.macOf(OTHER_OVERLAY, IP_2));
    }

    @Test
    void shouldMoveAnEndpointToItsNewVtepAndAddress()
    {
        table.addEndpoint(OVERLAY, MAC_2, IP_2, HOST_B);

        assertTrue(table.addEndpoint(OVERLAY, MAC_2, IP_3, HOST_C));

        assertEquals(HOST_C, table.vtepOf(OVERLAY, MAC_2, T0));
        assertEquals(MAC_2, table.macOf(OVERLAY, IP_3));
        assertEquals(VtepTable.NO_MAC, table.macOf(OVERLAY, IP_2), "the old address is forgotten");
        assertEquals(1, table.endpointCount());
    }

    @Test
    void shouldForgetARemovedEndpointAndItsAddress()
    {
        table.addEndpoint(OVERLAY, MAC_2, IP_2, HOST_B);

        assertTrue(table.removeEndpoint(OVERLAY, MAC_2));
        assertFalse(table.removeEndpoint(OVERLAY, MAC_2));

        assertEquals(VtepTable.NO_VTEP, table.vtepOf(OVERLAY, MAC_2, T0));
        assertEquals(VtepTable.NO_MAC, table.macOf(OVERLAY, IP_2));
        assertEquals(0, table.endpointCount());
    }

    @Test
    void shouldKeepAnAddressThatAnotherEndpointHasTakenSince()
    {
        table.addEndpoint(OVERLAY, MAC_2, IP_2, HOST_B);
        table.addEndpoint(OVERLAY, MAC_3, IP_2, HOST_C);

        table.removeEndpoint(OVERLAY, MAC_2);

        assertEquals(MAC_3, table.macOf(OVERLAY, IP_2));
    }

    @Test
    void shouldRefuseEndpointsBeyondItsCapacityAndCountThem()
    {
        for (int i = 0; i < 8; i++)
        {
            assertTrue(table.addEndpoint(OVERLAY, MAC_2 + 256 * i, IP_2 + 256 * i, HOST_B));
        }

        assertFalse(table.addEndpoint(OVERLAY, MAC_3, IP_3, HOST_B));
        assertTrue(table.addEndpoint(OVERLAY, MAC_2, IP_2, HOST_C), "updating a known endpoint still works");

        assertEquals(1, table.endpointsRefused());
        assertEquals(8, table.endpointCount());
        assertEquals(VtepTable.NO_MAC, table.macOf(OVERLAY, IP_3));
    }

    @Test
    void shouldRejectEndpointsThatCannotBe()
    {
        assertThrows(IllegalArgumentException.class, () -> table.addEndpoint(OVERLAY, MAC_2, IP_2, VtepTable.NO_VTEP));
        assertThrows(IllegalArgumentException.class, () -> table.addEndpoint(OVERLAY, 0, IP_2, HOST_B));
        assertThrows(IllegalArgumentException.class, () -> table.addEndpoint(OVERLAY, 0xFFFF_FFFF_FFFFL, IP_2, HOST_B));
        assertThrows(IllegalArgumentException.class, () -> table.addEndpoint(OVERLAY, 0x0100_5E00_0001L, IP_2, HOST_B));
        assertThrows(IllegalArgumentException.class, () -> table.addEndpoint(OVERLAY, 1L << 48, IP_2, HOST_B));
        assertThrows(IllegalArgumentException.class, () -> table.addEndpoint(16, MAC_2, IP_2, HOST_B));
        assertThrows(IllegalArgumentException.class, () -> table.addEndpoint(-1, MAC_2, IP_2, HOST_B));
        assertEquals(0, table.endpointCount());
    }

    @Test
    void shouldAcceptFramesFromPeersAndStaticPeersOnly()
    {
        table.setPeers(OVERLAY, new int[] {HOST_C, HOST_B});
        table.setStaticPeers(OVERLAY, new int[] {KERNEL_K});

        assertTrue(table.isAccepted(OVERLAY, HOST_B));
        assertTrue(table.isAccepted(OVERLAY, HOST_C));
        assertTrue(table.isAccepted(OVERLAY, KERNEL_K));
        assertFalse(table.isAccepted(OVERLAY, STRANGER));
        assertFalse(table.isAccepted(OTHER_OVERLAY, HOST_B), "a member of one network is a stranger to another");

        assertTrue(table.isMember(OVERLAY, HOST_B));
        assertFalse(table.isMember(OVERLAY, KERNEL_K), "a static peer is not a Lanyard host");
        assertTrue(table.isStaticPeer(OVERLAY, KERNEL_K));
        assertFalse(table.isStaticPeer(OVERLAY, HOST_B));
    }

    @Test
    void shouldFloodToPeersAndStaticPeersSortedOnce()
    {
        table.setPeers(OVERLAY, new int[] {HOST_C, HOST_B, HOST_C});
        table.setStaticPeers(OVERLAY, new int[] {KERNEL_K, HOST_B});

        assertArrayEquals(new int[] {HOST_B, HOST_C, KERNEL_K}, table.floodVteps(OVERLAY));
        assertArrayEquals(new int[] {HOST_B, HOST_C}, table.peers(OVERLAY));
        assertSame(VtepTable.NO_VTEPS, table.floodVteps(OTHER_OVERLAY));
    }

    @Test
    void shouldReplaceFloodSetsInsteadOfChangingThem()
    {
        final int[] given = {HOST_B, HOST_C};
        table.setPeers(OVERLAY, given);
        final int[] before = table.floodVteps(OVERLAY);
        final int[] copyOfBefore = before.clone();

        given[0] = STRANGER;
        assertArrayEquals(copyOfBefore, table.floodVteps(OVERLAY), "the caller's array is copied");
        assertFalse(table.isAccepted(OVERLAY, STRANGER));

        table.setPeers(OVERLAY, new int[] {HOST_C});
        table.setStaticPeers(OVERLAY, new int[] {KERNEL_K});

        assertArrayEquals(copyOfBefore, before, "a stage still holding the old set sees it unchanged");
        assertNotSame(before, table.floodVteps(OVERLAY));
        assertArrayEquals(new int[] {HOST_C, KERNEL_K}, table.floodVteps(OVERLAY));
        assertFalse(table.isAccepted(OVERLAY, HOST_B), "B left the network");
    }

    @Test
    void shouldRejectAZeroVtepWithoutChangingTheSet()
    {
        table.setPeers(OVERLAY, new int[] {HOST_B});

        assertThrows(IllegalArgumentException.class, () -> table.setPeers(OVERLAY, new int[] {HOST_C, 0}));
        assertThrows(IllegalArgumentException.class, () -> table.setStaticPeers(OVERLAY, new int[] {0}));

        assertArrayEquals(new int[] {HOST_B}, table.floodVteps(OVERLAY));
    }

    @Test
    void shouldLearnMacsBehindAStaticPeer()
    {
        table.setStaticPeers(OVERLAY, new int[] {KERNEL_K});

        assertTrue(table.learn(OVERLAY, MAC_K, KERNEL_K, T0));

        assertEquals(KERNEL_K, table.vtepOf(OVERLAY, MAC_K, T0 + SECOND));
        assertEquals(VtepTable.NO_VTEP, table.vtepOf(OTHER_OVERLAY, MAC_K, T0 + SECOND));
        assertEquals(1, table.learnedCount());
    }

    @Test
    void shouldNotLearnFromLanyardHostsOrStrangers()
    {
        table.setPeers(OVERLAY, new int[] {HOST_B});
        table.setStaticPeers(OVERLAY, new int[] {KERNEL_K});

        assertFalse(table.learn(OVERLAY, MAC_K, HOST_B, T0), "what is behind a Lanyard host is programmed");
        assertFalse(table.learn(OVERLAY, MAC_K, STRANGER, T0));
        assertFalse(table.learn(OTHER_OVERLAY, MAC_K, KERNEL_K, T0), "a static peer of another network");

        assertEquals(VtepTable.NO_VTEP, table.vtepOf(OVERLAY, MAC_K, T0));
        assertEquals(0, table.learnedCount());
    }

    @Test
    void shouldNotLearnGroupOrZeroMacs()
    {
        table.setStaticPeers(OVERLAY, new int[] {KERNEL_K});

        assertFalse(table.learn(OVERLAY, 0xFFFF_FFFF_FFFFL, KERNEL_K, T0));
        assertFalse(table.learn(OVERLAY, 0x3333_0000_0001L, KERNEL_K, T0));
        assertFalse(table.learn(OVERLAY, 0, KERNEL_K, T0));
        assertEquals(0, table.learnedCount());
    }

    @Test
    void shouldPreferAProgrammedEndpointToALearnedMac()
    {
        table.setStaticPeers(OVERLAY, new int[] {KERNEL_K});
        table.learn(OVERLAY, MAC_2, KERNEL_K, T0);

        table.addEndpoint(OVERLAY, MAC_2, IP_2, HOST_B);

        assertEquals(HOST_B, table.vtepOf(OVERLAY, MAC_2, T0));
        assertEquals(0, table.learnedCount(), "programming supersedes what was learned");
        assertFalse(table.learn(OVERLAY, MAC_2, KERNEL_K, T0), "a static peer cannot take over a programmed MAC");
        assertEquals(HOST_B, table.vtepOf(OVERLAY, MAC_2, T0));
    }

    @Test
    void shouldAgeALearnedMacButNotBeforeItsTime()
    {
        table.setStaticPeers(OVERLAY, new int[] {KERNEL_K});
        table.learn(OVERLAY, MAC_K, KERNEL_K, T0);

        assertEquals(KERNEL_K, table.vtepOf(OVERLAY, MAC_K, T0 + AGING - 100 * MILLI));
        assertEquals(0, table.expire(T0 + AGING - 100 * MILLI));
        assertEquals(VtepTable.NO_VTEP, table.vtepOf(OVERLAY, MAC_K, T0 + AGING), "absent from the aging time on");
        assertEquals(1, table.learnedCount(), "held until expire() runs");
        assertEquals(1, table.expire(T0 + AGING));
        assertEquals(0, table.learnedCount());
    }

    @Test
    void shouldKeepALearnedMacThatKeepsSending()
    {
        table.setStaticPeers(OVERLAY, new int[] {KERNEL_K});
        for (long t = T0; t < T0 + 3 * AGING; t += 10 * SECOND)
        {
            table.learn(OVERLAY, MAC_K, KERNEL_K, t);
        }

        assertEquals(KERNEL_K, table.vtepOf(OVERLAY, MAC_K, T0 + 3 * AGING));
        assertEquals(0, table.expire(T0 + 3 * AGING));
    }

    @Test
    void shouldFollowALearnedMacToAnotherStaticPeer()
    {
        final int otherKernel = KERNEL_K + 1;
        table.setStaticPeers(OVERLAY, new int[] {KERNEL_K, otherKernel});
        table.learn(OVERLAY, MAC_K, KERNEL_K, T0);

        assertTrue(table.learn(OVERLAY, MAC_K, otherKernel, T0 + MILLI));

        assertEquals(otherKernel, table.vtepOf(OVERLAY, MAC_K, T0 + MILLI));
        assertEquals(1, table.moves());
    }

    @Test
    void shouldForgetMacsLearnedFromAVtepThatIsNoLongerAStaticPeer()
    {
        table.setStaticPeers(OVERLAY, new int[] {KERNEL_K, STRANGER});
        table.setStaticPeers(OTHER_OVERLAY, new int[] {KERNEL_K});
        table.learn(OVERLAY, MAC_K, KERNEL_K, T0);
        table.learn(OVERLAY, MAC_3, STRANGER, T0);
        table.learn(OTHER_OVERLAY, MAC_K, KERNEL_K, T0);

        table.setStaticPeers(OVERLAY, new int[] {STRANGER});

        assertEquals(VtepTable.NO_VTEP, table.vtepOf(OVERLAY, MAC_K, T0));
        assertEquals(STRANGER, table.vtepOf(OVERLAY, MAC_3, T0));
        assertEquals(KERNEL_K, table.vtepOf(OTHER_OVERLAY, MAC_K, T0), "other networks keep theirs");
    }

    @Test
    void shouldRefuseToLearnIntoAFullTableUnlessAgedEntriesMakeRoom()
    {
        table.setStaticPeers(OVERLAY, new int[] {KERNEL_K});
        for (int i = 0; i < 4; i++)
        {
            assertTrue(table.learn(OVERLAY, MAC_K + 256 * i, KERNEL_K, T0));
        }

        assertFalse(table.learn(OVERLAY, MAC_3, KERNEL_K, T0 + SECOND));
        assertEquals(1, table.learnRefused());

        assertTrue(table.learn(OVERLAY, MAC_3, KERNEL_K, T0 + AGING), "the aged entries are swept to make room");
        assertEquals(1, table.learnedCount());
    }

    @Test
    void shouldClearOneNetworkOnly()
    {
        table.setPeers(OVERLAY, new int[] {HOST_B});
        table.setStaticPeers(OVERLAY, new int[] {KERNEL_K});
        table.addEndpoint(OVERLAY, MAC_2, IP_2, HOST_B);
        table.learn(OVERLAY, MAC_K, KERNEL_K, T0);
        table.setPeers(OTHER_OVERLAY, new int[] {HOST_C});
        table.setStaticPeers(OTHER_OVERLAY, new int[] {KERNEL_K});
        table.addEndpoint(OTHER_OVERLAY, MAC_2, IP_2, HOST_C);
        table.learn(OTHER_OVERLAY, MAC_K, KERNEL_K, T0);

        table.clear(OVERLAY);

        assertEquals(VtepTable.NO_VTEP, table.vtepOf(OVERLAY, MAC_2, T0));
        assertEquals(VtepTable.NO_VTEP, table.vtepOf(OVERLAY, MAC_K, T0));
        assertEquals(VtepTable.NO_MAC, table.macOf(OVERLAY, IP_2));
        assertSame(VtepTable.NO_VTEPS, table.floodVteps(OVERLAY));
        assertFalse(table.isAccepted(OVERLAY, HOST_B));
        assertFalse(table.isAccepted(OVERLAY, KERNEL_K));

        assertEquals(HOST_C, table.vtepOf(OTHER_OVERLAY, MAC_2, T0));
        assertEquals(KERNEL_K, table.vtepOf(OTHER_OVERLAY, MAC_K, T0));
        assertEquals(MAC_2, table.macOf(OTHER_OVERLAY, IP_2));
        assertArrayEquals(new int[] {HOST_C, KERNEL_K}, table.floodVteps(OTHER_OVERLAY));
        assertEquals(1, table.endpointCount());
        assertEquals(1, table.learnedCount());
    }

    @Test
    void shouldKeepTheHighestDomainApartFromTheLowest()
    {
        final VtepTable wide = new VtepTable(65_536, T0);
        wide.addEndpoint(65_535, MAC_2, IP_2, HOST_B);
        wide.addEndpoint(0, MAC_2, IP_2, HOST_C);

        assertEquals(HOST_B, wide.vtepOf(65_535, MAC_2, T0));
        assertEquals(HOST_C, wide.vtepOf(0, MAC_2, T0));
        wide.clear(65_535);
        assertEquals(HOST_C, wide.vtepOf(0, MAC_2, T0));
        assertEquals(MAC_2, wide.macOf(0, IP_2));
        assertEquals(VtepTable.NO_MAC, wide.macOf(65_535, IP_2));
    }

    @Test
    void shouldRefuseImpossibleSizes()
    {
        assertThrows(IllegalArgumentException.class, () -> new VtepTable(0, T0));
        assertThrows(IllegalArgumentException.class, () -> new VtepTable(65_537, T0));
        assertThrows(IllegalArgumentException.class, () -> new VtepTable(4, 0, 1, AGING, T0));
        assertThrows(IllegalArgumentException.class, () -> new VtepTable(4, 1, 0, AGING, T0));
    }
}
