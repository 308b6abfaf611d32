package io.lanyard.dataplane;

import io.lanyard.forwarding.addr.MacAddress;
import io.lanyard.forwarding.bridge.GatewaySwitch;
import io.lanyard.forwarding.l2.LearningSwitch;
import io.lanyard.forwarding.l2.MacTable;
import io.lanyard.forwarding.testkit.FrameBuilder;
import io.lanyard.forwarding.verdict.DropReason;
import io.lanyard.forwarding.verdict.Verdict;
import io.lanyard.forwarding.wire.ArpPacket;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;

import static io.lanyard.dataplane.StageFixture.frame;
import static io.lanyard.dataplane.StageFixture.wake;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The forwarding stage driven by hand on the test thread, with a clock the test advances. */
class ForwardingStageTest
{
    private static final long MILLI = 1_000_000L;
    private static final long SECOND = 1_000_000_000L;
    private static final long T0 = 50_000 * SECOND;
    private static final long AGING = 10 * SECOND;
    private static final int RED = 0;
    private static final int BLUE = 1;

    private static final long MAC_A = 0x0242_0A00_000AL;
    private static final long MAC_B = 0x0242_0A00_000BL;
    private static final long MAC_C = 0x0242_0A00_000CL;

    private final long[] clock = {T0};
    private final StageFixture fixture = new StageFixture(8);
    private final MacTable macTable = new MacTable(16, AGING, T0);
    private final LearningSwitch learningSwitch = new LearningSwitch(8, 2, macTable);
    private final ManyToOneConcurrentArrayQueue<ForwardingCommand> commands = new ManyToOneConcurrentArrayQueue<>(128);
    private final OneToOneConcurrentArrayQueue<Fence> fences = new OneToOneConcurrentArrayQueue<>(16);
    private final ForwardingStage stage =
        new ForwardingStage(new GatewaySwitch(learningSwitch), fixture.ports, commands, fences, () -> clock[0], fixture.counters);
    private final FrameSlot slot = StageFixture.newSlot();
    private long sequence;

    @BeforeEach
    void attachPorts()
    {
        for (final int port : new int[] {1, 2, 3})
        {
            fixture.addPort(port, RED);
            stage.onAttach(port, RED, false);
        }
        fixture.addPort(4, BLUE);
        stage.onAttach(4, BLUE, false);
    }

    @Test
    void shouldFloodAnUnknownDestinationWithTheIngressDomainsPorts()
    {
        event(frame(slot, 1, MAC_B, MAC_A), true);

        assertEquals(Verdict.FLOOD, slot.verdict().egress());
        assertArrayEquals(new int[] {1, 2, 3}, slot.verdict().floodPorts());
    }

    @Test
    void shouldSendUnicastToTheLearnedPort()
    {
        event(frame(slot, 2, MacAddress.BROADCAST, MAC_B), true);

        event(frame(slot, 1, MAC_B, MAC_A), true);

        assertEquals(2, slot.verdict().egress());
    }

    @Test
    void shouldChargeADropToTheIngressPort()
    {
        slot.buffer().setMemory(FrameSlot.DATA_OFFSET, 32, (byte)0);
        slot.frame(1, FrameSlot.VNET_HEADER_LENGTH + 13);
        event(slot, true);
        event(frame(slot, 1, MAC_B, MacAddress.BROADCAST), true);

        assertEquals(Verdict.DROP, slot.verdict().egress());
        assertEquals(1, fixture.ports[1].counters().drops(DropReason.MALFORMED));
        assertEquals(1, fixture.ports[1].counters().drops(DropReason.BAD_SOURCE_MAC));
        assertEquals(0, fixture.ports[2].counters().drops(DropReason.MALFORMED));
    }

    @Test
    void shouldDropWhatASecuredPortSendsAsAnotherAndForgetItsGuardWithItsId()
    {
        fixture.addPort(5, RED);
        stage.onAttach(5, RED, false, PortGuard.secured(MAC_A, 0x0A00_000A));
        event(frame(slot, 2, MacAddress.BROADCAST, MAC_B), true);

        event(frame(slot, 5, MacAddress.BROADCAST, MAC_B), true);
        assertEquals(Verdict.DROP, slot.verdict().egress(), "port 5 may not send as port 2's MAC");
        assertEquals(1, fixture.ports[5].counters().drops(DropReason.SPOOFED_MAC));
        event(frame(slot, 1, MAC_B, MAC_A), true);
        assertEquals(2, slot.verdict().egress(), "MAC_B stays where it was learned");

        event(frame(slot, 5, MacAddress.BROADCAST, MAC_A), true);
        assertEquals(Verdict.FLOOD, slot.verdict().egress(), "as itself it is switched");

        stage.onDetach(5, sequence, new CompletableFuture<>());
        stage.onAttach(5, RED, false);
        event(frame(slot, 5, MacAddress.BROADCAST, 0x0242_0A00_00EEL), true);
        assertEquals(Verdict.FLOOD, slot.verdict().egress(), "the next port with the id is not held to the last one's MAC");
    }

    @Test
    void shouldAnswerArpForASecuredPortsAddressInsteadOfFloodingItUntilThePortDetaches()
    {
        fixture.addPort(5, RED);
        stage.onAttach(5, RED, false, PortGuard.secured(MAC_A, 0x0A00_000A));
        final byte[] request = FrameBuilder.arp(MAC_B, MacAddress.BROADCAST, ArpPacket.OPERATION_REQUEST, MAC_B, 0x0A00_000B, 0,
            0x0A00_000A).bytes();

        event(StageFixture.fill(slot, 2, request), true);
        assertEquals(Verdict.REPLY, slot.verdict().egress(), "answered for port 5, back to the asker");

        stage.onDetach(5, sequence, new CompletableFuture<>());
        event(StageFixture.fill(slot, 2, request), true);
        assertEquals(Verdict.FLOOD, slot.verdict().egress(), "the answer goes with its port");

        fixture.addPort(5, RED);
        stage.onAttach(5, RED, false, PortGuard.relaxed(MAC_A, 4));
        event(StageFixture.fill(slot, 2, request), true);
        assertEquals(Verdict.FLOOD, slot.verdict().egress(), "a port without port security may have moved its address: it answers itself");
    }

    @Test
    void shouldPinAGuardedPortsMacAndFloodUnknownUnicastOnlyWhereOthersMayBe()
    {
        fixture.addPort(5, RED);
        stage.onAttach(5, RED, false, PortGuard.secured(MAC_A, 0x0A00_000A));
        fixture.addPort(7, RED);
        stage.onAttach(7, RED, false, PortGuard.relaxed(0x0242_0A00_0007L, 4));

        event(frame(slot, 1, MAC_A, MAC_B), true);
        assertEquals(5, slot.verdict().egress(), "a secured port's MAC is known before it sends a frame");
        event(frame(slot, 1, 0x0242_0A00_0007L, MAC_B), true);
        assertEquals(7, slot.verdict().egress(), "so is a relaxed port's");
        event(frame(slot, 1, 0x0242_0A00_00EEL, MAC_B), true);
        assertArrayEquals(new int[] {1, 2, 3, 7}, slot.verdict().floodPorts(), "nothing unknown can be behind port 5");

        event(frame(slot, 7, MacAddress.BROADCAST, MAC_A), true);
        event(frame(slot, 1, MAC_A, MAC_B), true);
        assertEquals(5, slot.verdict().egress(), "a relaxed port sending as a sandbox's MAC does not take it");

        stage.onDetach(5, sequence, new CompletableFuture<>());
        event(frame(slot, 1, MAC_A, MAC_B), true);
        assertEquals(Verdict.FLOOD, slot.verdict().egress(), "the pin goes with its port");
    }

    @Test
    void shouldDropAFrameShorterThanItsVirtioHeaderAsMalformed()
    {
        slot.frame(1, 4);

        event(slot, true);

        assertEquals(Verdict.DROP, slot.verdict().egress());
        assertEquals(1, fixture.ports[1].counters().drops(DropReason.MALFORMED));
    }

    @Test
    void shouldChargeAFrameWithoutAnIngressPortToTheDataplane()
    {
        event(frame(slot, 6, MAC_B, MAC_A), true);

        assertEquals(Verdict.DROP, slot.verdict().egress());
        assertEquals(1, fixture.counters.noIngressPort.get());
    }

    @Test
    void shouldReadTheClockOncePerBatch()
    {
        stage.onBatchStart(2, 0);
        clock[0] = T0 + 60 * SECOND;
        stage.onEvent(frame(slot, 1, MacAddress.BROADCAST, MAC_A), sequence++, true);

        assertEquals(MacTable.MISSING, macTable.lookup(RED, MAC_A, T0 + AGING), "learned at the batch's start time");
        assertEquals(1, macTable.lookup(RED, MAC_A, T0 + AGING - MILLI));
    }

    @Test
    void shouldAgeOutMacsDuringHousekeepingOnTheInjectedClock()
    {
        event(frame(slot, 1, MacAddress.BROADCAST, MAC_A), true);
        event(frame(slot, 2, MacAddress.BROADCAST, MAC_B), true);
        event(frame(slot, 1, MAC_B, MAC_A), true);
        assertEquals(2, slot.verdict().egress());

        clock[0] = T0 + SECOND;
        event(wake(slot), false);
        assertEquals(2, fixture.counters.macEntries.get(), "housekeeping published the table size");

        clock[0] = T0 + AGING - MILLI;
        event(wake(slot), false);
        assertEquals(2, macTable.size());

        clock[0] = T0 + AGING + SECOND;
        event(wake(slot), false);
        assertEquals(0, macTable.size());
        assertEquals(0, fixture.counters.macEntries.get());

        event(frame(slot, 1, MAC_B, MAC_A), true);
        assertEquals(Verdict.FLOOD, slot.verdict().egress(), "B aged out, so the frame floods");
    }

    @Test
    void shouldRunHousekeepingAtMostOncePerSecond()
    {
        clock[0] = T0 + SECOND;
        event(wake(slot), false);
        event(frame(slot, 1, MacAddress.BROADCAST, MAC_A), true);

        clock[0] = T0 + SECOND + 999 * MILLI;
        event(wake(slot), false);
        assertEquals(0, fixture.counters.macEntries.get(), "too soon after the last run");

        clock[0] = T0 + 2 * SECOND;
        event(wake(slot), false);
        assertEquals(1, fixture.counters.macEntries.get());
    }

    @Test
    void shouldPublishLearnRefusalsAndMovesOnHousekeeping()
    {
        final MacTable tiny = new MacTable(1, AGING, T0);
        final ForwardingStage tinyStage =
            new ForwardingStage(new GatewaySwitch(new LearningSwitch(8, 2, tiny)), fixture.ports, commands, fences, () -> clock[0],
                fixture.counters);
        tinyStage.onAttach(1, RED, false);
        tinyStage.onAttach(2, RED, false);

        tinyStage.onBatchStart(3, 0);
        tinyStage.onEvent(frame(slot, 1, MacAddress.BROADCAST, MAC_A), 0, false);
        tinyStage.onEvent(frame(slot, 2, MacAddress.BROADCAST, MAC_B), 1, false);
        tinyStage.onEvent(frame(slot, 2, MacAddress.BROADCAST, MAC_A), 2, true);
        clock[0] = T0 + SECOND;
        tinyStage.onBatchStart(1, 0);
        tinyStage.onEvent(wake(slot), 3, true);

        assertEquals(1, fixture.counters.macLearnRefused.get());
        assertEquals(1, fixture.counters.macMoves.get());
        assertEquals(1, fixture.counters.macEntries.get());
    }

    @Test
    void shouldApplyCommandsOnlyBetweenBatches()
    {
        fixture.addPort(6, RED);
        commands.offer((forwarding, at) -> forwarding.onAttach(6, RED, false));

        stage.onBatchStart(2, 0);
        stage.onEvent(frame(slot, 6, MacAddress.BROADCAST, MAC_C), sequence++, false);
        assertEquals(Verdict.DROP, slot.verdict().egress(), "not yet attached mid-batch");
        stage.onEvent(frame(slot, 6, MacAddress.BROADCAST, MAC_C), sequence++, true);
        assertEquals(Verdict.DROP, slot.verdict().egress(), "the last frame of the batch is decided first");

        event(frame(slot, 6, MacAddress.BROADCAST, MAC_C), true);
        assertEquals(Verdict.FLOOD, slot.verdict().egress());
        assertArrayEquals(new int[] {1, 2, 3, 6}, slot.verdict().floodPorts());
    }

    @Test
    void shouldApplyCommandsOnAWakeSlotWithoutDecidingIt()
    {
        final int[] applied = {0};
        commands.offer((forwarding, at) -> applied[0]++);
        slot.verdict.port(1234);

        event(wake(slot), false);

        assertEquals(1, applied[0]);
        assertEquals(1234, slot.verdict().egress(), "a wake slot carries no frame to decide");
    }

    @Test
    void shouldApplyABoundedNumberOfCommandsPerBatch()
    {
        final int[] applied = {0};
        for (int i = 0; i < 100; i++)
        {
            commands.offer((forwarding, at) -> applied[0]++);
        }

        event(wake(slot), false);
        assertEquals(64, applied[0]);
        event(wake(slot), false);
        assertEquals(100, applied[0]);
    }

    @Test
    void shouldFenceADetachAtTheSequenceItWasAppliedAt()
    {
        event(frame(slot, 2, MacAddress.BROADCAST, MAC_B), true);
        event(frame(slot, 1, MacAddress.BROADCAST, MAC_A), true);
        final CompletableFuture<Void> passed = new CompletableFuture<>();
        commands.offer((forwarding, at) -> forwarding.onDetach(2, at, passed));

        stage.onBatchStart(1, 0);
        stage.onEvent(wake(slot), 41, false);

        final Fence fence = fences.poll();
        assertEquals(41, fence.sequence());
        assertSame(passed, fence.passed());
        assertFalse(passed.isDone(), "only the transmit stage passes a fence");
        assertNull(fences.poll());
        assertEquals(1, fixture.counters.macEntries.get(), "B was forgotten with its port");
        assertEquals(-1, learningSwitch.domainOf(2));

        event(frame(slot, 1, MAC_B, MAC_A), true);
        assertArrayEquals(new int[] {1, 3}, slot.verdict().floodPorts());
    }

    private void event(final FrameSlot frameSlot, final boolean endOfBatch)
    {
        stage.onBatchStart(1, 0);
        stage.onEvent(frameSlot, sequence++, endOfBatch);
    }
}
