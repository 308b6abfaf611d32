package io.lanyard.control.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * The journal's line format, {@code CRC32 JSON\n}: eight hex digits of the CRC-32 of the JSON
 * object that follows a space, so a line cut short by a crash, or garbage after a power loss, is
 * told from a whole record.
 */
final class JournalLines
{
    /** What {@link #scan} finds, line by line. */
    interface Visitor
    {
        /** A whole, intact record; {@code next} is where the line after it starts (just past its newline). */
        void record(JsonNode record, int next);

        /** A line that is not one whole, intact record, starting at {@code start}. */
        void invalid(int start);
    }

    private JournalLines()
    {
    }

    /** The line that holds {@code body} (one compact JSON object). */
    static byte[] line(final byte[] body)
    {
        final CRC32 crc = new CRC32();
        crc.update(body);
        final byte[] line = new byte[9 + body.length + 1];
        System.arraycopy(String.format("%08x ", crc.getValue()).getBytes(StandardCharsets.US_ASCII), 0, line, 0, 9);
        System.arraycopy(body, 0, line, 9, body.length);
        line[line.length - 1] = '\n';
        return line;
    }

    /** Visits every line of {@code lines} (null: no journal) in order. */
    static void scan(final byte[] lines, final ObjectMapper json, final Visitor visitor)
    {
        int start = 0;
        while (lines != null && start < lines.length)
        {
            final int end = indexOf(lines, (byte)'\n', start);
            final JsonNode record = end < 0 ? null : record(lines, start, end, json);
            if (record == null)
            {
                visitor.invalid(start);
            }
            else
            {
                visitor.record(record, end + 1);
            }
            start = end < 0 ? lines.length : end + 1;
        }
    }

    /** A line's record, or null when the line is not one whole, intact record. */
    private static JsonNode record(final byte[] lines, final int start, final int end, final ObjectMapper json)
    {
        final int space = indexOf(lines, (byte)' ', start);
        if (space != start + 8 || space >= end)
        {
            return null;
        }
        final CRC32 crc = new CRC32();
        crc.update(lines, space + 1, end - space - 1);
        try
        {
            if (Long.parseLong(new String(lines, start, 8, StandardCharsets.US_ASCII), 16) != crc.getValue())
            {
                return null;
            }
            final JsonNode record = json.readTree(lines, space + 1, end - space - 1);
            return record != null && record.isObject() ? record : null;
        }
        catch (final NumberFormatException | IOException ex)
        {
            return null;
        }
    }

    private static int indexOf(final byte[] bytes, final byte wanted, final int from)
    {
        for (int i = from; i < bytes.length; i++)
        {
            if (bytes[i] == wanted)
            {
                return i;
            }
        }
        return -1;
    }
}
