package io.lanyard.control.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A sandbox's {@code hosts} and {@code resolv.conf} in {@code /etc/netns/NAME/}, which
 * {@code ip netns exec} (and so {@code lanyard exec}) mounts over {@code /etc} for every command
 * it runs in the namespace.
 */
public final class EtcFiles
{
    /** Docker's fallback when the host has no usable nameserver. */
    private static final List<String> DEFAULT_NAMESERVERS = List.of("8.8.8.8", "8.8.4.4");

    private final Path root;
    private final Path hostResolvConf;

    public EtcFiles(final Path root, final Path hostResolvConf)
    {
        this.root = root;
        this.hostResolvConf = hostResolvConf;
    }

    public static EtcFiles system()
    {
        return new EtcFiles(Path.of("/etc/netns"), Path.of("/etc/resolv.conf"));
    }

    public Path directory(final String netns)
    {
        return root.resolve(netns);
    }

    /** Docker's hosts file: the standard lines, then one line per address of the sandbox. */
    public static String hosts(final List<String[]> ownEntries)
    {
        final StringBuilder text = new StringBuilder()
            .append("127.0.0.1\tlocalhost\n")
            .append("::1\tlocalhost ip6-localhost ip6-loopback\n")
            .append("fe00::0\tip6-localnet\n")
            .append("ff00::0\tip6-mcastprefix\n")
            .append("ff02::1\tip6-allnodes\n")
            .append("ff02::2\tip6-allrouters\n");
        for (final String[] entry : ownEntries)
        {
            text.append(String.join("\t", entry)).append('\n');
        }
        return text.toString();
    }

    /**
     * The host's resolver configuration as a container on the default bridge gets it: the same
     * search and options lines, nameservers on loopback dropped (they are unreachable from
     * another namespace), and Docker's public fallback if none is left.
     */
    public String hostResolvConf()
    {
        List<String> lines;
        try
        {
            lines = Files.readAllLines(hostResolvConf, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            lines = List.of();
        }
        final List<String> kept = new ArrayList<>();
        boolean nameserver = false;
        for (final String line : lines)
        {
            final String[] words = line.trim().split("\\s+");
            if (words.length >= 2 && "nameserver".equals(words[0]))
            {
                if (words[1].startsWith("127.") || "::1".equals(words[1]))
                {
                    continue;
                }
                nameserver = true;
            }
            kept.add(line);
        }
        if (!nameserver)
        {
            for (final String server : DEFAULT_NAMESERVERS)
            {
                kept.add("nameserver " + server);
            }
        }
        return String.join("\n", kept) + "\n";
    }

    public void write(final String netns, final String hosts, final String resolvConf)
    {
        final Path dir = directory(netns);
        try
        {
            Files.createDirectories(dir);
            writeAtomically(dir.resolve("hosts"), hosts);
            writeAtomically(dir.resolve("resolv.conf"), resolvConf);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot write " + dir + ": " + ex.getMessage(), ex);
        }
    }

    public void remove(final String netns)
    {
        final Path dir = directory(netns);
        for (final String name : List.of("hosts", "resolv.conf", "hosts.tmp", "resolv.conf.tmp"))
        {
            try
            {
                Files.deleteIfExists(dir.resolve(name));
            }
            catch (final IOException ignored)
            {
                // best effort: a leftover file there is harmless once the namespace is gone
            }
        }
        try
        {
            Files.deleteIfExists(dir);
        }
        catch (final IOException ignored)
        {
            // not empty: someone else put a file there; leave it
        }
    }

    private static void writeAtomically(final Path file, final String content) throws IOException
    {
        final Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temporary, content, StandardCharsets.UTF_8);
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
