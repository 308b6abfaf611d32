package io.lanyard.control.remote;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Finds a plugin's socket as Docker does: in each directory in order, a Unix socket
 * {@code NAME.sock} (or {@code NAME/NAME.sock}), else a spec file {@code NAME.spec} holding the
 * plugin's address, {@code unix:///path}. Docker also reads TCP addresses and {@code .json}
 * specs; Lanyard refuses the first with a clear error and does not look for the second.
 *
 * @param directories where to look, Docker's by default ({@link #DOCKER_DIRECTORIES}).
 */
public record PluginDiscovery(List<Path> directories)
{
    /** Docker's plugin directories: sockets, then spec files. */
    public static final List<Path> DOCKER_DIRECTORIES =
        List.of(Path.of("/run/docker/plugins"), Path.of("/etc/docker/plugins"), Path.of("/usr/lib/docker/plugins"));

    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    private static final String UNIX = "unix://";
    private static final int MAX_SPEC_BYTES = 4096;

    public PluginDiscovery
    {
        directories = List.copyOf(directories);
    }

    /** @return the socket of the plugin called {@code name}; a {@link PluginException} when there is none or its spec is bad. */
    public Path socketOf(final String name)
    {
        if (!NAME.matcher(name).matches())
        {
            throw PluginException.notFound(name);
        }
        for (final Path directory : directories)
        {
            for (final Path socket : List.of(directory.resolve(name + ".sock"), directory.resolve(name).resolve(name + ".sock")))
            {
                if (Files.exists(socket) && !Files.isRegularFile(socket) && !Files.isDirectory(socket))
                {
                    return socket;
                }
            }
            final Path spec = directory.resolve(name + ".spec");
            if (Files.isRegularFile(spec))
            {
                return socketInSpec(name, spec);
            }
        }
        throw PluginException.notFound(name);
    }

    private static Path socketInSpec(final String name, final Path spec)
    {
        final String address;
        try
        {
            if (Files.size(spec) > MAX_SPEC_BYTES)
            {
                throw PluginException.failed("plugin \"" + name + "\": spec file " + spec + " is too large");
            }
            address = Files.readString(spec, StandardCharsets.UTF_8).strip();
        }
        catch (final IOException ex)
        {
            throw PluginException.failed("plugin \"" + name + "\": cannot read " + spec + ": " + ex.getMessage());
        }
        if (address.startsWith(UNIX) && address.length() > UNIX.length() + 1 && address.charAt(UNIX.length()) == '/')
        {
            return Path.of(address.substring(UNIX.length()));
        }
        if (address.startsWith("tcp://"))
        {
            throw PluginException.failed("plugin \"" + name + "\": " + address + " in " + spec +
                " is a TCP address; Lanyard reaches plugins on Unix sockets only (unix:///path)");
        }
        throw PluginException.failed("plugin \"" + name + "\": " + spec + " holds no plugin address (expected unix:///path)");
    }
}
