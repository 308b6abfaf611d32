package io.lanyard.dataplane;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.verdict.DropReason;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The whole pipeline — I/O thread, ring, forwarding and transmit stages — with in-memory ports:
 * frames go in through {@link Dataplane#inject} and come out of memory sinks.
 *
 * <p>The ring is ordered and the transmit stage is one thread, so once a later frame has reached
 * a sink every earlier frame has been fully handled. Tests that assert a frame did <em>not</em>
 * arrive somewhere send a marker frame after it and wait for the marker.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
@ParameterizedClass
@ValueSource(strings = {DataplaneConfig.PIPELINE_FUSED, DataplaneConfig.PIPELINE_INLINE, DataplaneConfig.PIPELINE_STAGED})
class DataplaneTest
{
    /** Every thread layout of the pipeline must behave the same. */
    @Parameter
    String pipeline;

    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final int EIO = 5;
    private static final int RED = 0;
    private static final int BLUE = 1;
    private static final int FRAME_LENGTH = 60;
    /** IEEE 802 local experimental EtherType: nothing in the switch looks past the Ethernet header. */
    private static final int ETHER_TYPE_TEST = 0x88B5;
    /** Only IPv4 is held back by a network's ICC policy; its header is never read by the switch. */
    private static final int ETHER_TYPE_ARP = 0x0806;
    private static final int ETHER_TYPE_IPV4 = 0x0800;
    private static final long NO_GATEWAY = -1L;

    private static final long MAC_A = 0x0242_0A00_000AL;
    private static final long MAC_B = 0x0242_0A00_000BL;
    private static final long MAC_C = 0x0242_0A00_000CL;
    private static final long MAC_D = 0x0242_0A00_000DL;
    private static final long MAC_E = 0x0242_0A00_000EL;
    private static final long MAC_UNKNOWN = 0x0242_0A00_00FFL;

    @TempDir
    Path tempDir;

    private Dataplane dataplane;
    private int nextTag = 1;

    @BeforeEach
    void startDataplane()
    {
        dataplane = Dataplane.start(DataplaneConfig.defaults(tempDir.resolve("counters")).withPipeline(pipeline).withRingSize(64));
    }

    @AfterEach
    void closeDataplane()
    {
        dataplane.close();
    }

    @Test
    void shouldWakeAStageThatWentIdleAndParked() throws InterruptedException
    {
        final MemorySink sink = new MemorySink();
        final Port from = dataplane.ports().attach(new MemorySink(), RED, "from");
        dataplane.ports().attach(sink, RED, "to");
        // long enough for the default backoff wait to stop polling and park its thread
        TimeUnit.MILLISECONDS.sleep(200);

        dataplane.inject(from.id(), frame(MacAddress.BROADCAST, MAC_A));

        assertNotNull(sink.next(), "a parked stage is woken by the next frame");
    }

    @Test
    void shouldDumpTheMacTableTheStageHolds()
    {
        final MemorySink a = new MemorySink();
        final MemorySink b = new MemorySink();
        final Port portA = dataplane.ports().attach(a, RED, "red/a");
        final Port portB = dataplane.ports().attach(b, RED, "red/b");
        final Port portD = dataplane.ports().attach(new MemorySink(), BLUE, "blue/d");

        dataplane.inject(portA.id(), frame(MAC_UNKNOWN, MAC_A));
        b.next();
        dataplane.inject(portD.id(), frame(MacAddress.BROADCAST, MAC_D));
        awaitCount(portB, 1);

        final TableDump.Page<TableDump.Mac> dump = dataplane.forwarding().dumpMacs(100);
        assertEquals(2, dump.total(), dump.toString());
        assertTrue(dump.entries().stream().anyMatch(m -> m.domain() == RED && m.mac() == MAC_A && m.port() == portA.id() && !m.pinned()),
            dump.toString());
        assertTrue(dump.entries().stream().anyMatch(m -> m.domain() == BLUE && m.mac() == MAC_D && m.port() == portD.id()), dump.toString());
        final TableDump.Page<TableDump.Mac> first = dataplane.forwarding().dumpMacs(1);
        assertEquals(1, first.entries().size());
        assertEquals(2, first.total(), "a bounded dump still says how many there are");
        assertEquals(0, dataplane.forwarding().dumpConnections(10).total(), "no router, no connections");
    }

    @Test
    void shouldTraceAFrameWithoutSendingItOrLearningFromIt()
    {
        final MemorySink a = new MemorySink();
        final MemorySink b = new MemorySink();
        final Port portA = dataplane.ports().attach(a, RED, "red/a");
        final Port portB = dataplane.ports().attach(b, RED, "red/b");
        dataplane.inject(portB.id(), frame(MAC_UNKNOWN, MAC_B));
        a.next();

        final byte[] data = frame(MAC_B, MAC_A);
        final TableDump.Trace trace = dataplane.forwarding().trace(portA.id(),
            Arrays.copyOfRange(data, FrameSlot.VNET_HEADER_LENGTH, data.length));

        assertEquals("pass", trace.security());
        assertEquals(portB.id(), trace.destinationPort());
        assertEquals(portB.id(), trace.egress(), "decided for B, as the real frame would be");
        assertTrue(dataplane.forwarding().dumpMacs(10).entries().stream().noneMatch(m -> m.mac() == MAC_A),
            "A's MAC was not learned from the trace");
        assertTrue(b.frames.isEmpty(), "nothing was sent");
        assertEquals(0, portB.counters().txPackets(), "nor counted");
    }

    @Test
    void shouldFloodAnUnknownDestinationToTheOtherPortsOfTheIngressDomainOnly()
    {
        final MemorySink a = new MemorySink();
        final MemorySink b = new MemorySink();
        final MemorySink c = new MemorySink();
        final MemorySink d = new MemorySink();
        final MemorySink e = new MemorySink();
        final Port portA = dataplane.ports().attach(a, RED, "red/a");
        final Port portB = dataplane.ports().attach(b, RED, "red/b");
        final Port portC = dataplane.ports().attach(c, RED, "red/c");
        final Port portD = dataplane.ports().attach(d, BLUE, "blue/d");
        final Port portE = dataplane.ports().attach(e, BLUE, "blue/e");

        final byte[] flooded = frame(MAC_UNKNOWN, MAC_A);
        dataplane.inject(portA.id(), flooded);
        final byte[] atB = b.next();
        final byte[] atC = c.next();

        assertArrayEquals(flooded, atB, "virtio header and frame delivered byte for byte");
        assertArrayEquals(flooded, atC);

        final byte[] marker = frame(MacAddress.BROADCAST, MAC_D);
        dataplane.inject(portD.id(), marker);
        assertArrayEquals(marker, e.next());

        assertTrue(a.frames.isEmpty(), "never back out of the ingress port");
        assertTrue(d.frames.isEmpty(), "red never reaches blue; blue's broadcast skips its ingress");
        assertTrue(e.frames.isEmpty(), "blue saw only its own marker");
        awaitCount(portB, 1);
        awaitCount(portC, 1);
        awaitCount(portE, 1);
        assertEquals(0, portA.counters().txPackets());
        assertEquals(0, portD.counters().txPackets());
        assertEquals(0, portA.counters().rxPackets(), "inject bypasses the port reader's rx counters");
    }

    @Test
    void shouldSendUnicastOnlyToTheLearnedPort()
    {
        final MemorySink a = new MemorySink();
        final MemorySink b = new MemorySink();
        final MemorySink c = new MemorySink();
        final Port portA = dataplane.ports().attach(a, RED, "a");
        final Port portB = dataplane.ports().attach(b, RED, "b");
        final Port portC = dataplane.ports().attach(c, RED, "c");

        final byte[] whoHas = frame(MacAddress.BROADCAST, MAC_A);
        dataplane.inject(portA.id(), whoHas);
        assertArrayEquals(whoHas, b.next());
        assertArrayEquals(whoHas, c.next());

        final byte[] reply = frame(MAC_A, MAC_B);
        dataplane.inject(portB.id(), reply);
        assertArrayEquals(reply, a.next());

        final byte[] request = frame(MAC_B, MAC_A);
        dataplane.inject(portA.id(), request);
        assertArrayEquals(request, b.next());

        final byte[] marker = frame(MacAddress.BROADCAST, MAC_B);
        dataplane.inject(portB.id(), marker);
        assertArrayEquals(marker, c.next(), "c saw neither unicast");
        assertArrayEquals(marker, a.next());

        awaitCount(portA, 2);
        awaitCount(portB, 2);
        awaitCount(portC, 2);
        assertTrue(a.frames.isEmpty() && b.frames.isEmpty() && c.frames.isEmpty());
    }

    @Test
    void shouldCountTxPacketsAndBytesWithoutTheVirtioHeader()
    {
        final MemorySink a = new MemorySink();
        final MemorySink b = new MemorySink();
        final Port portA = dataplane.ports().attach(a, RED, "a");
        final Port portB = dataplane.ports().attach(b, RED, "b");

        for (int i = 0; i < 100; i++)
        {
            dataplane.inject(portA.id(), frame(MAC_B, MAC_A));
        }
        for (int i = 0; i < 100; i++)
        {
            assertNotNull(b.next());
        }

        awaitCount(portB, 100);
        assertEquals(100L * FRAME_LENGTH, counterValue(PortCounters.TYPE_TX_BYTES, portB.id()));
        assertEquals(100L, counterValue(PortCounters.TYPE_TX_PACKETS, portB.id()));
        assertEquals(0L, counterValue(PortCounters.TYPE_RX_PACKETS, portA.id()));
    }

    @Test
    void shouldKeepForwardingWhenMoreFramesArriveThanTheRingHolds()
    {
        final MemorySink a = new MemorySink();
        final MemorySink b = new MemorySink();
        final Port portA = dataplane.ports().attach(a, RED, "a");
        dataplane.ports().attach(b, RED, "b");

        final List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 1_000; i++)
        {
            final byte[] frame = frame(MacAddress.BROADCAST, MAC_A);
            sent.add(frame);
            dataplane.inject(portA.id(), frame);
        }

        for (final byte[] frame : sent)
        {
            assertArrayEquals(frame, b.next(), "in order, none lost");
        }
    }

    @Test
    void shouldCountATxErrorWhenTheSinkRefusesTheWrite()
    {
        final MemorySink a = new MemorySink();
        final MemorySink failing = new MemorySink();
        failing.result = -EIO;
        final MemorySink c = new MemorySink();
        final Port portA = dataplane.ports().attach(a, RED, "a");
        final Port portFailing = dataplane.ports().attach(failing, RED, "failing");
        final Port portC = dataplane.ports().attach(c, RED, "c");

        dataplane.inject(portA.id(), frame(MacAddress.BROADCAST, MAC_A));
        dataplane.inject(portA.id(), frame(MacAddress.BROADCAST, MAC_A));
        assertNotNull(failing.next());
        assertNotNull(failing.next());
        assertNotNull(c.next());
        assertNotNull(c.next());

        await(() -> portFailing.counters().drops(DropReason.TX_ERROR) == 2, "two tx errors");
        awaitCount(portC, 2);
        assertEquals(0, portFailing.counters().txPackets());
        assertEquals(0, portFailing.counters().drops(DropReason.MALFORMED));
        assertEquals(0, portC.counters().drops(DropReason.TX_ERROR), "the other port was unaffected");
    }

    @Test
    void shouldNotDeliverToADetachedPort()
    {
        final MemorySink a = new MemorySink();
        final MemorySink b = new MemorySink();
        final MemorySink c = new MemorySink();
        final Port portA = dataplane.ports().attach(a, RED, "a");
        final Port portB = dataplane.ports().attach(b, RED, "b");
        final Port portC = dataplane.ports().attach(c, RED, "c");
        dataplane.inject(portB.id(), frame(MacAddress.BROADCAST, MAC_B));
        assertNotNull(a.next());
        assertNotNull(c.next());

        dataplane.ports().detach(portB);

        final byte[] toB = frame(MAC_B, MAC_A);
        dataplane.inject(portA.id(), toB);
        assertArrayEquals(toB, c.next(), "B was forgotten with its port, so the frame floods");
        final byte[] broadcast = frame(MacAddress.BROADCAST, MAC_C);
        dataplane.inject(portC.id(), broadcast);
        assertArrayEquals(broadcast, a.next());
        assertTrue(b.frames.isEmpty(), "nothing reached the detached port's sink");
    }

    @Test
    void shouldDropFramesFromADetachedPortAsHavingNoIngressPort()
    {
        final MemorySink a = new MemorySink();
        final MemorySink b = new MemorySink();
        final Port portA = dataplane.ports().attach(a, RED, "a");
        final Port portB = dataplane.ports().attach(b, RED, "b");
        final int detachedId = portB.id();

        dataplane.ports().detach(portB);
        dataplane.inject(detachedId, frame(MacAddress.BROADCAST, MAC_B));
        dataplane.inject(DataplaneConfig.DEFAULT_MAX_PORTS - 1, frame(MacAddress.BROADCAST, MAC_B));
        dataplane.inject(DataplaneConfig.DEFAULT_MAX_PORTS + 7, frame(MacAddress.BROADCAST, MAC_B));

        await(() -> dataplaneCounter(DataplaneCounters.TYPE_DROP_NO_INGRESS_PORT) == 3, "three frames without an ingress port");
        assertTrue(a.frames.isEmpty() && b.frames.isEmpty());
        assertEquals(0, portA.counters().drops(DropReason.NO_INGRESS_PORT), "not charged to any port");
    }

    @Test
    void shouldReturnFromDetachOnlyOnceNoStageCanWriteToThePort()
    {
        final MemorySink slow = new MemorySink();
        final MemorySink witness = new MemorySink();
        final Port portA = dataplane.ports().attach(new MemorySink(), RED, "a");
        final Port portSlow = dataplane.ports().attach(slow, RED, "slow");
        dataplane.ports().attach(witness, RED, "witness");
        slow.delayNanos = TimeUnit.MILLISECONDS.toNanos(2);

        for (int i = 0; i < 50; i++)
        {
            dataplane.inject(portA.id(), frame(MacAddress.BROADCAST, MAC_A));
        }
        dataplane.ports().detach(portSlow);
        final int writesWhenDetachReturned = slow.writes;

        final byte[] marker = frame(MacAddress.BROADCAST, MAC_A);
        dataplane.inject(portA.id(), marker);
        for (int i = 0; i < 50; i++)
        {
            assertNotNull(witness.next());
        }
        assertArrayEquals(marker, witness.next());

        assertEquals(writesWhenDetachReturned, slow.writes, "no write after detach returned");
        assertEquals(writesWhenDetachReturned, slow.frames.size());
        assertTrue(writesWhenDetachReturned <= 50);
        assertEquals(0, portSlow.counters().drops(DropReason.TX_ERROR));
    }

    @Test
    void shouldDetachTwiceHarmlessly()
    {
        final Port port = dataplane.ports().attach(new MemorySink(), RED, "a");

        dataplane.ports().detach(port);
        dataplane.ports().detach(port);

        assertFalse(labels().contains("a"));
    }

    @Test
    void shouldReuseADetachedPortsIdWithFreshCounters()
    {
        final MemorySink a = new MemorySink();
        final MemorySink b = new MemorySink();
        final Port portA = dataplane.ports().attach(a, RED, "a");
        final Port portB = dataplane.ports().attach(b, RED, "b");
        dataplane.inject(portA.id(), frame(MacAddress.BROADCAST, MAC_A));
        assertNotNull(b.next());
        awaitCount(portB, 1);

        dataplane.ports().detach(portB);
        final MemorySink reused = new MemorySink();
        final Port portReused = dataplane.ports().attach(reused, BLUE, "reused");

        assertEquals(portB.id(), portReused.id());
        assertEquals(BLUE, portReused.domain());
        assertEquals(0, portReused.counters().txPackets(), "a reused counter starts from zero");
        assertEquals(0L, counterValue(PortCounters.TYPE_TX_BYTES, portReused.id()));
    }

    @Test
    void shouldDropAFrameShorterThanTheVirtioAndEthernetHeadersAsMalformedAndKeepForwarding()
    {
        final MemorySink a = new MemorySink();
        final MemorySink b = new MemorySink();
        final Port portA = dataplane.ports().attach(a, RED, "a");
        final Port portB = dataplane.ports().attach(b, RED, "b");

        final byte[] valid = frame(MacAddress.BROADCAST, MAC_A);
        dataplane.inject(portA.id(), java.util.Arrays.copyOf(valid, FrameSlot.VNET_HEADER_LENGTH + 13));
        dataplane.inject(portA.id(), java.util.Arrays.copyOf(valid, 5));
        dataplane.inject(portA.id(), new byte[0]);
        dataplane.inject(portA.id(), valid);

        assertArrayEquals(valid, b.next(), "the pipeline kept working");
        await(() -> portA.counters().drops(DropReason.MALFORMED) == 3, "three malformed drops");
        awaitCount(portB, 1);
        assertTrue(b.frames.isEmpty());
    }

    @Test
    void shouldForwardTheShortestValidFrame()
    {
        final MemorySink b = new MemorySink();
        final Port portA = dataplane.ports().attach(new MemorySink(), RED, "a");
        dataplane.ports().attach(b, RED, "b");

        final byte[] bare = java.util.Arrays.copyOf(frame(MacAddress.BROADCAST, MAC_A), FrameSlot.VNET_HEADER_LENGTH + 14);
        dataplane.inject(portA.id(), bare);

        assertArrayEquals(bare, b.next());
    }

    @Test
    void shouldDropAFrameWithAGroupSourceMac()
    {
        final MemorySink b = new MemorySink();
        final Port portA = dataplane.ports().attach(new MemorySink(), RED, "a");
        dataplane.ports().attach(b, RED, "b");

        dataplane.inject(portA.id(), frame(MacAddress.BROADCAST, MacAddress.BROADCAST));
        dataplane.inject(portA.id(), frame(MacAddress.BROADCAST, 0L));
        final byte[] marker = frame(MacAddress.BROADCAST, MAC_A);
        dataplane.inject(portA.id(), marker);

        assertArrayEquals(marker, b.next());
        await(() -> portA.counters().drops(DropReason.BAD_SOURCE_MAC) == 2, "two bad sources");
    }

    @Test
    void shouldDropAFrameForADestinationBehindItsOwnIngressPort()
    {
        final MemorySink a = new MemorySink();
        final MemorySink b = new MemorySink();
        final Port portA = dataplane.ports().attach(a, RED, "a");
        dataplane.ports().attach(b, RED, "b");
        dataplane.inject(portA.id(), frame(MacAddress.BROADCAST, MAC_E));
        assertNotNull(b.next());

        dataplane.inject(portA.id(), frame(MAC_E, MAC_A));
        final byte[] marker = frame(MacAddress.BROADCAST, MAC_A);
        dataplane.inject(portA.id(), marker);

        assertArrayEquals(marker, b.next(), "the hairpin frame went nowhere");
        await(() -> portA.counters().drops(DropReason.SAME_PORT) == 1, "one same-port drop");
        assertTrue(a.frames.isEmpty());
    }

    @Test
    void shouldLetOnlyALinkedPairExchangeIpInANetworkWithIccOffUntilTheLinkIsForbidden()
    {
        dataplane.forwarding().configureDomain(RED, 0, NO_GATEWAY, false);
        final MemorySink a = new MemorySink();
        final MemorySink b = new MemorySink();
        final MemorySink c = new MemorySink();
        final Port portA = dataplane.ports().attach(a, RED, "a");
        final Port portB = dataplane.ports().attach(b, RED, "b");
        final Port portC = dataplane.ports().attach(c, RED, "c");
        announce(portA, MAC_A, b, c);
        announce(portB, MAC_B, a, c);
        announce(portC, MAC_C, a, b);

        dataplane.inject(portA.id(), ipFrame(MAC_B, MAC_A));
        await(() -> portA.counters().drops(DropReason.ICC) == 1, "an ICC drop before the link");

        dataplane.ports().allowIcc(portA, portB);
        final byte[] toB = ipFrame(MAC_B, MAC_A);
        dataplane.inject(portA.id(), toB);
        assertArrayEquals(toB, b.next());
        final byte[] toA = ipFrame(MAC_A, MAC_B);
        dataplane.inject(portB.id(), toA);
        assertArrayEquals(toA, a.next(), "a link works both ways");
        dataplane.inject(portA.id(), ipFrame(MAC_C, MAC_A));
        dataplane.inject(portC.id(), ipFrame(MAC_B, MAC_C));
        await(() -> portA.counters().drops(DropReason.ICC) == 2 && portC.counters().drops(DropReason.ICC) == 1,
            "the third container is still apart");

        dataplane.ports().forbidIcc(portB, portA);
        dataplane.inject(portA.id(), ipFrame(MAC_B, MAC_A));
        await(() -> portA.counters().drops(DropReason.ICC) == 3, "an ICC drop once the link is forbidden");
        final byte[] marker = frame(MacAddress.BROADCAST, MAC_C, ETHER_TYPE_ARP);
        dataplane.inject(portC.id(), marker);
        assertArrayEquals(marker, b.next(), "b got nothing after the link ended");
        assertArrayEquals(marker, a.next());
        assertTrue(a.frames.isEmpty() && b.frames.isEmpty() && c.frames.isEmpty());
    }

    @Test
    void shouldNotLetAPortThatReusesADetachedIdInheritItsLink()
    {
        dataplane.forwarding().configureDomain(RED, 0, NO_GATEWAY, false);
        final MemorySink a = new MemorySink();
        final MemorySink b = new MemorySink();
        final Port portA = dataplane.ports().attach(a, RED, "a");
        final Port portB = dataplane.ports().attach(b, RED, "b");
        dataplane.ports().allowIcc(portA, portB);

        dataplane.ports().detach(portB);
        final MemorySink reused = new MemorySink();
        final Port portReused = dataplane.ports().attach(reused, RED, "reused");
        assertEquals(portB.id(), portReused.id());
        announce(portA, MAC_A, reused);
        announce(portReused, MAC_D, a);

        dataplane.inject(portA.id(), ipFrame(MAC_D, MAC_A));
        await(() -> portA.counters().drops(DropReason.ICC) == 1, "no link came with the reused id");
        assertThrows(IllegalStateException.class, () -> dataplane.ports().allowIcc(portA, portB), "the detached port cannot be linked");
        dataplane.ports().forbidIcc(portA, portB);
        dataplane.ports().allowIcc(portA, portReused);
        final byte[] linked = ipFrame(MAC_D, MAC_A);
        dataplane.inject(portA.id(), linked);
        assertArrayEquals(linked, reused.next(), "forbidding the old port's link left the new port's alone");
    }

    @Test
    void shouldRefuseToLinkAPortWithItselfAcrossNetworksOrToAnOverlay()
    {
        final Port red = dataplane.ports().attach(new MemorySink(), RED, "red");
        final Port blue = dataplane.ports().attach(new MemorySink(), BLUE, "blue");
        final Port overlay = dataplane.overlays().add(RED, 42);

        assertThrows(IllegalArgumentException.class, () -> dataplane.ports().allowIcc(red, red));
        assertThrows(IllegalArgumentException.class, () -> dataplane.ports().allowIcc(red, blue));
        assertThrows(IllegalArgumentException.class, () -> dataplane.ports().allowIcc(red, overlay));
    }

    @Test
    void shouldSayWhyTheForwardingStageRefusedACommand()
    {
        dataplane.overlays().add(RED, 42);

        final IllegalStateException refused = assertThrows(IllegalStateException.class,
            () -> dataplane.overlays().addEndpoint(RED, MacAddress.BROADCAST, 0, 0x0A00_0002));

        assertTrue(refused.getMessage().contains("not an endpoint's MAC"), refused.getMessage());
    }

    @Test
    void shouldExposeEveryPortCounterWithItsLabelTypeAndPortKey()
    {
        final Port portA = dataplane.ports().attach(new MemorySink(), RED, "red/a");
        final Port portB = dataplane.ports().attach(new MemorySink(), BLUE, "blue/b");
        final List<CounterRecord> counters = counters();

        for (final Port port : List.of(portA, portB))
        {
            final List<Integer> types = new ArrayList<>();
            for (final CounterRecord counter : counters)
            {
                if (counter.port == port.id())
                {
                    assertEquals(port.label(), counter.label);
                    types.add(counter.typeId);
                }
            }
            final List<Integer> expected = new ArrayList<>(List.of(
                PortCounters.TYPE_RX_PACKETS, PortCounters.TYPE_RX_BYTES, PortCounters.TYPE_TX_PACKETS,
                PortCounters.TYPE_TX_BYTES, PortCounters.TYPE_RX_ERRORS));
            for (final DropReason reason : DropReason.values())
            {
                expected.add(PortCounters.TYPE_DROP_BASE + reason.ordinal());
            }
            assertEquals(expected, types, port.label());
        }
    }

    @Test
    void shouldExposeTheDataplanesOwnCounters()
    {
        final List<CounterRecord> dataplaneCounters = new ArrayList<>();
        for (final CounterRecord counter : counters())
        {
            if (counter.port == DataplaneCounters.NO_PORT)
            {
                dataplaneCounters.add(counter);
            }
        }

        assertEquals(List.of(
            new CounterRecord(DataplaneCounters.TYPE_MAC_ENTRIES, -1, "mac_entries"),
            new CounterRecord(DataplaneCounters.TYPE_MAC_LEARN_REFUSED, -1, "mac_learn_refused"),
            new CounterRecord(DataplaneCounters.TYPE_MAC_MOVES, -1, "mac_moves"),
            new CounterRecord(DataplaneCounters.TYPE_DROP_NO_INGRESS_PORT, -1, "drop_no_ingress_port"),
            new CounterRecord(DataplaneCounters.TYPE_DROP_NO_EGRESS_PORT, -1, "drop_no_egress_port"),
            new CounterRecord(DataplaneCounters.TYPE_STAGE_ERRORS, -1, "stage_errors"),
            new CounterRecord(DataplaneCounters.TYPE_NAT_CONNECTIONS, -1, "nat_connections"),
            new CounterRecord(DataplaneCounters.TYPE_NAT_CREATED, -1, "nat_created"),
            new CounterRecord(DataplaneCounters.TYPE_NAT_REFUSED_FULL, -1, "nat_refused_full"),
            new CounterRecord(DataplaneCounters.TYPE_NAT_EXPIRED, -1, "nat_expired"),
            new CounterRecord(DataplaneCounters.TYPE_VXLAN_DROP_BAD_HEADER, -1, "vxlan_drop_bad_header"),
            new CounterRecord(DataplaneCounters.TYPE_VXLAN_DROP_UNKNOWN_VNI, -1, "vxlan_drop_unknown_vni"),
            new CounterRecord(DataplaneCounters.TYPE_VXLAN_DROP_TRUNCATED, -1, "vxlan_drop_truncated"),
            new CounterRecord(DataplaneCounters.TYPE_VXLAN_RX_ERRORS, -1, "vxlan_rx_errors"),
            new CounterRecord(DataplaneCounters.TYPE_VXLAN_RX_PARTIAL_CHECKSUM, -1, "vxlan_rx_partial_checksum"),
            new CounterRecord(DataplaneCounters.TYPE_VXLAN_RX_JOINED, -1, "vxlan_rx_joined"),
            new CounterRecord(DataplaneCounters.TYPE_MAC_PORT_LIMIT_REFUSED, -1, "mac_port_limit_refused"),
            new CounterRecord(DataplaneCounters.TYPE_MAC_NETWORK_LIMIT_REFUSED, -1, "mac_network_limit_refused"),
            new CounterRecord(DataplaneCounters.TYPE_MAC_PINNED_REFUSED, -1, "mac_pinned_refused"),
            new CounterRecord(DataplaneCounters.TYPE_VTEP_ENDPOINTS, -1, "vtep_endpoints"),
            new CounterRecord(DataplaneCounters.TYPE_VTEP_LEARNED, -1, "vtep_learned"),
            new CounterRecord(DataplaneCounters.TYPE_VTEP_LEARN_REFUSED, -1, "vtep_learn_refused")), dataplaneCounters);
    }

    @Test
    void shouldReadTheSameCountersFromTheFileAsFromThePorts()
    {
        final MemorySink b = new MemorySink();
        final Port portA = dataplane.ports().attach(new MemorySink(), RED, "a");
        final Port portB = dataplane.ports().attach(b, RED, "b");
        dataplane.inject(portA.id(), frame(MacAddress.BROADCAST, MAC_A));
        dataplane.inject(portA.id(), new byte[3]);
        assertNotNull(b.next());
        awaitCount(portB, 1);
        await(() -> portA.counters().drops(DropReason.MALFORMED) == 1, "one malformed drop");

        try (CountersFile file = CountersFile.open(tempDir.resolve("counters")))
        {
            final CountersReader reader = file.reader();
            assertEquals(1L, value(reader, PortCounters.TYPE_TX_PACKETS, portB.id()));
            assertEquals((long)FRAME_LENGTH, value(reader, PortCounters.TYPE_TX_BYTES, portB.id()));
            assertEquals(1L, value(reader, PortCounters.TYPE_DROP_BASE + DropReason.MALFORMED.ordinal(), portA.id()));
            assertEquals("b", reader.getCounterLabel(idOf(reader, PortCounters.TYPE_TX_PACKETS, portB.id())));
        }
    }

    @Test
    void shouldUpdateTheMacEntriesCounterWhenAPortIsDetached()
    {
        final MemorySink a = new MemorySink();
        final MemorySink b = new MemorySink();
        final MemorySink c = new MemorySink();
        final Port portA = dataplane.ports().attach(a, RED, "a");
        final Port portB = dataplane.ports().attach(b, RED, "b");
        dataplane.ports().attach(c, RED, "c");
        dataplane.inject(portA.id(), frame(MacAddress.BROADCAST, MAC_A));
        dataplane.inject(portB.id(), frame(MacAddress.BROADCAST, MAC_B));
        dataplane.inject(portB.id(), frame(MacAddress.BROADCAST, MAC_D));
        assertNotNull(c.next());
        assertNotNull(c.next());
        assertNotNull(c.next());

        dataplane.ports().detach(portB);

        assertEquals(1L, dataplaneCounter(DataplaneCounters.TYPE_MAC_ENTRIES), "only A is left");
        assertFalse(labels().contains("b"), "the detached port's counters were freed");
    }

    @Test
    void shouldRejectAttachingToADomainOutsideTheConfiguredRangeWithoutLeakingThePort()
    {
        final long start = System.nanoTime();
        assertThrows(IllegalArgumentException.class,
            () -> dataplane.ports().attach(new MemorySink(), DataplaneConfig.DEFAULT_MAX_DOMAINS, "too-far"));
        assertThrows(IllegalArgumentException.class, () -> dataplane.ports().attach(new MemorySink(), -1, "negative"));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1), "rejected at once");

        final Port first = dataplane.ports().attach(new MemorySink(), RED, "first");
        assertEquals(0, first.id(), "no port id was leaked");
        assertFalse(labels().contains("too-far"));
    }

    @Test
    void shouldRefuseAPortBeyondMaxPortsUntilOneIsDetached()
    {
        final DataplaneConfig twoPorts = new DataplaneConfig(16, "epoll", DataplaneConfig.PIPELINE_STAGED, "blocking", tempDir.resolve("small-counters"),
            64, TimeUnit.SECONDS.toNanos(300), 2, 2, 16, io.lanyard.forwarding.nat.ConntrackTimeouts.defaults());
        try (Dataplane small = Dataplane.start(twoPorts))
        {
            final Port first = small.ports().attach(new MemorySink(), RED, "first");
            final MemorySink sink = new MemorySink();
            small.ports().attach(sink, RED, "second");

            assertThrows(IllegalStateException.class, () -> small.ports().attach(new MemorySink(), BLUE, "third"));

            small.ports().detach(first);
            final Port third = small.ports().attach(new MemorySink(), RED, "third");
            assertEquals(first.id(), third.id());
            final byte[] frame = frame(MacAddress.BROADCAST, MAC_C);
            small.inject(third.id(), frame);
            assertArrayEquals(frame, sink.next());
        }
    }

    @Test
    void shouldRefuseAFrameLargerThanASlot()
    {
        assertThrows(IllegalArgumentException.class, () -> dataplane.inject(0, new byte[FrameSlot.DATA_CAPACITY + 1]));
    }

    @Test
    void shouldRefuseToAttachOnceClosedAndCloseTwiceHarmlessly()
    {
        dataplane.close();
        dataplane.close();

        assertThrows(IllegalStateException.class, () -> dataplane.ports().attach(new MemorySink(), RED, "late"));
    }

    @Test
    void shouldNameItsIoBackend()
    {
        assertEquals("epoll", dataplane.ioBackend());
    }

    /** A broadcast from {@code port} (not IPv4, so it reaches every container) that teaches the switch where {@code mac} is. */
    /** A broadcast from {@code mac} that every other port gets, ICC or not: ARP's EtherType, the one ICC off lets through. */
    private void announce(final Port port, final long mac, final MemorySink... others)
    {
        dataplane.inject(port.id(), frame(MacAddress.BROADCAST, mac, ETHER_TYPE_ARP));
        for (final MemorySink other : others)
        {
            assertNotNull(other.next());
        }
    }

    private byte[] ipFrame(final long destination, final long source)
    {
        return frame(destination, source, ETHER_TYPE_IPV4);
    }

    private byte[] frame(final long destination, final long source)
    {
        return frame(destination, source, ETHER_TYPE_TEST);
    }

    private byte[] frame(final long destination, final long source, final int etherType)
    {
        final byte[] data = new byte[FrameSlot.VNET_HEADER_LENGTH + FRAME_LENGTH];
        final UnsafeBuffer buffer = new UnsafeBuffer(data);
        final int frame = FrameSlot.VNET_HEADER_LENGTH;
        buffer.putInt(frame, (int)(destination >>> 16), ByteOrder.BIG_ENDIAN);
        buffer.putShort(frame + 4, (short)destination, ByteOrder.BIG_ENDIAN);
        buffer.putInt(frame + 6, (int)(source >>> 16), ByteOrder.BIG_ENDIAN);
        buffer.putShort(frame + 10, (short)source, ByteOrder.BIG_ENDIAN);
        buffer.putShort(frame + 12, (short)etherType, ByteOrder.BIG_ENDIAN);
        buffer.putInt(frame + 14, nextTag++, ByteOrder.BIG_ENDIAN);
        return data;
    }

    private static void awaitCount(final Port port, final long txPackets)
    {
        await(() -> port.counters().txPackets() == txPackets, port.label() + " tx " + txPackets);
        assertEquals(txPackets, port.counters().txPackets());
    }

    private static void await(final BooleanSupplier condition, final String what)
    {
        final long deadline = System.nanoTime() + WAIT_NANOS;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("timed out waiting for " + what);
            }
            LockSupport.parkNanos(100_000);
        }
    }

    private long counterValue(final int typeId, final int port)
    {
        return value(dataplane.counters(), typeId, port);
    }

    private long dataplaneCounter(final int typeId)
    {
        return value(dataplane.counters(), typeId, DataplaneCounters.NO_PORT);
    }

    private static long value(final CountersReader reader, final int typeId, final int port)
    {
        return reader.getCounterValue(idOf(reader, typeId, port));
    }

    private static int idOf(final CountersReader reader, final int typeId, final int port)
    {
        final int[] found = {CountersReader.NULL_COUNTER_ID};
        reader.forEach((counterId, type, key, label) ->
        {
            if (type == typeId && key.getInt(0) == port)
            {
                found[0] = counterId;
            }
        });
        assertTrue(found[0] != CountersReader.NULL_COUNTER_ID, "counter type " + typeId + " of port " + port);
        return found[0];
    }

    private List<CounterRecord> counters()
    {
        final List<CounterRecord> counters = new ArrayList<>();
        dataplane.counters().forEach((counterId, typeId, key, label) -> counters.add(new CounterRecord(typeId, key.getInt(0), label)));
        return counters;
    }

    private List<String> labels()
    {
        final List<String> labels = new ArrayList<>();
        for (final CounterRecord counter : counters())
        {
            labels.add(counter.label);
        }
        return labels;
    }

    private record CounterRecord(int typeId, int port, String label)
    {
    }
}
