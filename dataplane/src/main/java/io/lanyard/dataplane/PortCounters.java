package io.lanyard.dataplane;

import java.nio.charset.StandardCharsets;

import io.lanyard.forwarding.verdict.DropReason;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * The counters of one port. Each has a single writer: rx by the I/O thread, tx by the transmit
 * stage, and each drop reason by the one stage that can drop for it.
 */
public final class PortCounters
{
    public static final int TYPE_RX_PACKETS = 1;
    public static final int TYPE_RX_BYTES = 2;
    public static final int TYPE_TX_PACKETS = 3;
    public static final int TYPE_TX_BYTES = 4;
    public static final int TYPE_RX_ERRORS = 5;
    /** Drop counters use {@code TYPE_DROP_BASE + DropReason.ordinal()}. */
    public static final int TYPE_DROP_BASE = 16;

    final AtomicCounter rxPackets;
    final AtomicCounter rxBytes;
    final AtomicCounter txPackets;
    final AtomicCounter txBytes;
    final AtomicCounter rxErrors;
    final AtomicCounter[] drops;

    PortCounters(final CountersManager manager, final int port, final String label)
    {
        rxPackets = newCounter(manager, TYPE_RX_PACKETS, port, label);
        rxBytes = newCounter(manager, TYPE_RX_BYTES, port, label);
        txPackets = newCounter(manager, TYPE_TX_PACKETS, port, label);
        txBytes = newCounter(manager, TYPE_TX_BYTES, port, label);
        rxErrors = newCounter(manager, TYPE_RX_ERRORS, port, label);
        drops = new AtomicCounter[DropReason.count()];
        for (int i = 0; i < drops.length; i++)
        {
            drops[i] = newCounter(manager, TYPE_DROP_BASE + i, port, label);
        }
    }

    void drop(final int reason)
    {
        drops[reason].incrementRelease();
    }

    public long rxPackets()
    {
        return rxPackets.get();
    }

    public long txPackets()
    {
        return txPackets.get();
    }

    public long drops(final DropReason reason)
    {
        return drops[reason.ordinal()].get();
    }

    void close()
    {
        rxPackets.close();
        rxBytes.close();
        txPackets.close();
        txBytes.close();
        rxErrors.close();
        for (final AtomicCounter drop : drops)
        {
            drop.close();
        }
    }

    private static AtomicCounter newCounter(final CountersManager manager, final int type, final int port, final String label)
    {
        final UnsafeBuffer key = new UnsafeBuffer(new byte[Integer.BYTES]);
        key.putInt(0, port);
        final UnsafeBuffer text = new UnsafeBuffer(label.getBytes(StandardCharsets.US_ASCII));
        return manager.newCounter(type, key, 0, key.capacity(), text, 0, text.capacity());
    }
}
