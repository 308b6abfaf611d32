package io.lanyard.dataplane;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.nio.MappedByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The dataplane's counters in a memory-mapped file, so anything that maps the file (the daemon's
 * API thread, a monitoring tool) reads them without touching the threads that write them.
 *
 * <pre>
 * | header (64): magic, version, metadata length, values length | metadata | values |
 * </pre>
 *
 * Values are Agrona counters: each has exactly one writing thread, which updates it with
 * release stores; no counter update takes a lock.
 */
public final class CountersFile implements AutoCloseable
{
    public static final int MAGIC = 0x4C594354; // "LYCT"
    public static final int VERSION = 1;
    private static final int HEADER_LENGTH = 64;

    private final MappedByteBuffer mapped;
    private final CountersManager manager;
    private final CountersReader reader;

    private CountersFile(final MappedByteBuffer mapped, final CountersManager manager, final CountersReader reader)
    {
        this.mapped = mapped;
        this.manager = manager;
        this.reader = reader;
    }

    /** Creates (or truncates and recreates) the file with room for {@code maxCounters} counters. */
    public static CountersFile create(final Path path, final int maxCounters)
    {
        final int metadataLength = maxCounters * CountersReader.METADATA_LENGTH;
        final int valuesLength = maxCounters * CountersReader.COUNTER_LENGTH;
        try
        {
            Files.createDirectories(path.toAbsolutePath().getParent());
            Files.deleteIfExists(path);
        }
        catch (final java.io.IOException ex)
        {
            throw new IllegalStateException("cannot create counters file " + path + ": " + ex.getMessage(), ex);
        }
        // a new file reads as zeros without being written: only the pages of counters in use become resident (sized
        // for every port, the whole file is about 100 MB, which filling it would make part of the daemon's RSS)
        final MappedByteBuffer mapped = IoUtil.mapNewFile(path.toFile(), HEADER_LENGTH + metadataLength + valuesLength, false);
        final UnsafeBuffer header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
        header.putInt(8, metadataLength);
        header.putInt(12, valuesLength);
        header.putInt(4, VERSION);
        header.putIntVolatile(0, MAGIC);
        final UnsafeBuffer metadata = new UnsafeBuffer(mapped, HEADER_LENGTH, metadataLength);
        final UnsafeBuffer values = new UnsafeBuffer(mapped, HEADER_LENGTH + metadataLength, valuesLength);
        final CountersManager manager = new CountersManager(metadata, values, StandardCharsets.US_ASCII);
        return new CountersFile(mapped, manager, manager);
    }

    /** Maps an existing counters file read-only, e.g. from another process. */
    public static CountersFile open(final Path path)
    {
        final MappedByteBuffer mapped = IoUtil.mapExistingFile(path.toFile(), "lanyard counters");
        final UnsafeBuffer header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
        if (header.getIntVolatile(0) != MAGIC || header.getInt(4) != VERSION)
        {
            IoUtil.unmap(mapped);
            throw new IllegalStateException("not a Lanyard counters file: " + path);
        }
        final int metadataLength = header.getInt(8);
        final int valuesLength = header.getInt(12);
        final CountersReader reader = new CountersReader(
            new UnsafeBuffer(mapped, HEADER_LENGTH, metadataLength),
            new UnsafeBuffer(mapped, HEADER_LENGTH + metadataLength, valuesLength),
            StandardCharsets.US_ASCII);
        return new CountersFile(mapped, null, reader);
    }

    /** Allocates and frees counters; only one thread may use it (the control thread). */
    public CountersManager manager()
    {
        if (manager == null)
        {
            throw new IllegalStateException("counters file opened read-only");
        }
        return manager;
    }

    public CountersReader reader()
    {
        return reader;
    }

    @Override
    public void close()
    {
        IoUtil.unmap(mapped);
    }
}
