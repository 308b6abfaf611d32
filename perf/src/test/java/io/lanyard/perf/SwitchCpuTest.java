package io.lanyard.perf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SwitchCpuTest
{
    @Test
    void shouldAddUserAndSystemTimeAfterACommandNameWithSpacesAndParentheses()
    {
        final String stat = "4242 (ovs-vswitchd (x) y) S 1 4242 4242 0 -1 4194560 1201 0 0 0 731 269 0 0 20 0 5 0 1000 " +
            "300000000 2000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0";
        assertEquals(731 + 269, SwitchCpu.processTicks(stat));
    }

    @Test
    void shouldReadTheAggregateSoftirqColumn()
    {
        final String stat = "cpu  10132153 290696 3084719 46828483 16683 0 25195 0 0 0\n" +
            "cpu0 1393280 32966 572056 13343292 6130 0 17875 0 0 0\n" +
            "intr 199292 0 0\n";
        assertEquals(25195, SwitchCpu.softirqTicks(stat));
    }

    @Test
    void shouldRefuseWhatIsNoStatLine()
    {
        assertThrows(PerfException.class, () -> SwitchCpu.processTicks("no parenthesis here"));
        assertThrows(PerfException.class, () -> SwitchCpu.softirqTicks("intr 1 2 3\n"));
    }

    @Test
    void shouldCountThisProcesssOwnWork()
    {
        final SwitchCpu self = SwitchCpu.ofProcess(ProcessHandle.current().pid());
        final long before = self.ticks();
        final long deadline = System.nanoTime() + 300_000_000L;
        long spin = 0;
        while (System.nanoTime() < deadline)
        {
            spin += System.nanoTime() % 7;
        }
        final double seconds = SwitchCpu.seconds(before, self.ticks());
        assertTrue(seconds >= 0.1, "300 ms of spinning counted as " + seconds + " s (" + spin + ")");
    }
}
