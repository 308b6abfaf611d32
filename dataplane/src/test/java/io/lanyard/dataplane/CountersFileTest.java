package io.lanyard.dataplane;

import org.agrona.concurrent.status.AtomicCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CountersFileTest
{
    @TempDir
    Path tempDir;

    @Test
    void shouldLetAnotherMappingReadCountersAsTheyAreWritten() throws Exception
    {
        final Path path = tempDir.resolve("nested/dir/counters");
        try (CountersFile writer = CountersFile.create(path, 64);
            CountersFile reader = CountersFile.open(path))
        {
            final PortCounters port = new PortCounters(writer.manager(), 3, "ns/eth0");
            port.txPackets.incrementRelease();
            port.txPackets.incrementRelease();

            assertEquals(2, reader.reader().getCounterValue(port.txPackets.id()));
            assertEquals("ns/eth0", reader.reader().getCounterLabel(port.txPackets.id()));
            assertEquals(PortCounters.TYPE_TX_PACKETS, reader.reader().getCounterTypeId(port.txPackets.id()));
            assertThrows(IllegalStateException.class, reader::manager, "opened read-only");
        }
    }

    @Test
    void shouldRecreateAnExistingFile() throws Exception
    {
        final Path path = tempDir.resolve("counters");
        try (CountersFile first = CountersFile.create(path, 4))
        {
            final AtomicCounter counter = first.manager().newCounter("old");
            counter.set(99);
        }
        try (CountersFile second = CountersFile.create(path, 4))
        {
            final int[] count = {0};
            second.reader().forEach((id, type, key, label) -> count[0]++);
            assertEquals(0, count[0]);
        }
    }

    @Test
    void shouldRefuseAFileThatIsNotALanyardCountersFile() throws Exception
    {
        final Path path = tempDir.resolve("not-counters");
        Files.write(path, new byte[4096]);

        assertThrows(IllegalStateException.class, () -> CountersFile.open(path));
    }
}
