package io.lanyard.control.api;

import java.util.function.BooleanSupplier;

/** Waits, in small steps, for something another thread does (a subscription made or dropped). */
final class Polling
{
    private Polling()
    {
    }

    static boolean eventually(final BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline)
        {
            if (condition.getAsBoolean())
            {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }
}
