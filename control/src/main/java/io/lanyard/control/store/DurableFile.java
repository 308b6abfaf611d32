package io.lanyard.control.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** A file replaced whole so that a crash leaves its old content or its new one, never a mix. */
public final class DurableFile
{
    private DurableFile()
    {
    }

    /**
     * Replaces {@code file} with {@code bytes}: a temporary file beside it, forced to disk,
     * renamed over it, the directory forced.
     */
    public static void replace(final Path file, final byte[] bytes) throws IOException
    {
        final Path directory = file.toAbsolutePath().getParent();
        final Path temporary = directory.resolve(file.getFileName() + ".tmp");
        Files.createDirectories(directory);
        try (FileChannel channel = FileChannel.open(temporary,
            StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE))
        {
            final ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining())
            {
                channel.write(buffer);
            }
            channel.force(true);
        }
        try
        {
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (final AtomicMoveNotSupportedException ex)
        {
            throw new IOException("the state directory does not support atomic rename", ex);
        }
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ))
        {
            dir.force(true);
        }
    }
}
