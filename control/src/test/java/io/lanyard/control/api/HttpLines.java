package io.lanyard.control.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** How the raw socket tests read HTTP's lines: up to LF, without the CR before it. */
final class HttpLines
{
    private HttpLines()
    {
    }

    /** The next line, or null at the end of the stream with nothing read. */
    static String read(final InputStream in) throws IOException
    {
        final ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != -1; b = in.read())
        {
            if (b == '\n')
            {
                return line.toString(StandardCharsets.ISO_8859_1).replaceAll("\r$", "");
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }
}
