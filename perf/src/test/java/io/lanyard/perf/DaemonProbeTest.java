package io.lanyard.perf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DaemonProbeTest
{
    private static final String G1_HEAP_INFO = """
        12345:
        Command executed successfully
         garbage-first heap   total 57344K, used 5957K [0x0000000687400000, 0x0000000800000000)
          region size 4096K, 0 young (0K), 0 survivors (0K)
         Metaspace       used 8967K, committed 9152K, reserved 1114112K
          class space    used 1062K, committed 1152K, reserved 1048576K
        """;

    private static final String SERIAL_HEAP_INFO = """
        12345:
         def new generation   total 4928K, used 1024K [0x00000000f0000000, 0x00000000f0550000, 0x00000000f5550000)
          eden space 4416K,  23% used [0x00000000f0000000, 0x00000000f0100000, 0x00000000f0450000)
          from space 512K,   0% used [0x00000000f0450000, 0x00000000f0450000, 0x00000000f04d0000)
         tenured generation   total 10944K, used 3000K [0x00000000f5550000, 0x00000000f6000000, 0x0000000100000000)
         Metaspace       used 700K, committed 896K, reserved 1114112K
        """;

    @Test
    void shouldReadTheHeapUsedFromG1sOneLine()
    {
        assertEquals(5957, DaemonProbe.heapUsedKb(G1_HEAP_INFO));
        assertEquals(8967, DaemonProbe.metaspaceUsedKb(G1_HEAP_INFO));
    }

    @Test
    void shouldAddUpTheGenerationsOfOtherCollectorsAndNotTheirSpaces()
    {
        assertEquals(4024, DaemonProbe.heapUsedKb(SERIAL_HEAP_INFO));
        assertEquals(700, DaemonProbe.metaspaceUsedKb(SERIAL_HEAP_INFO));
    }

    @Test
    void shouldGiveNotANumberWhenJcmdSaidNothing()
    {
        assertEquals(Double.NaN, DaemonProbe.heapUsedKb(""));
        assertEquals(Double.NaN, DaemonProbe.metaspaceUsedKb("12345:\nAttach failed\n"));
    }

    @Test
    void shouldReadResidentSetAndThreadsFromProcStatus()
    {
        final String status = "Name:\tjava\nVmPeak:\t 9000000 kB\nVmRSS:\t  204800 kB\nRssAnon:\t  150000 kB\nThreads:\t41\n";

        assertEquals(204800, DaemonProbe.statusField(status, "VmRSS"));
        assertEquals(41, DaemonProbe.statusField(status, "Threads"));
        assertEquals(Double.NaN, DaemonProbe.statusField(status, "VmSwap"));
    }
}
