package io.lanyard.control.remote;

/**
 * A remote driver plugin could not be found, reached, or refused a call. The message is one line
 * for the user: a plugin's refusal is its {@code Err} text as it sent it.
 */
public final class PluginException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final boolean notFound;

    private PluginException(final String message, final boolean notFound)
    {
        super(message);
        this.notFound = notFound;
    }

    /** No plugin of that name is installed (no socket, no spec file). */
    static PluginException notFound(final String name)
    {
        return new PluginException("plugin \"" + name + "\" not found", true);
    }

    /** The plugin is installed but cannot be used (unreachable, bad spec, refused a call). */
    static PluginException failed(final String message)
    {
        return new PluginException(oneLine(message), false);
    }

    public boolean isNotFound()
    {
        return notFound;
    }

    /** A plugin's text on one line: its line breaks become spaces. */
    static String oneLine(final String text)
    {
        return text.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }
}
