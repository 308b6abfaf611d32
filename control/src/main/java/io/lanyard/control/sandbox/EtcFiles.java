package io.lanyard.control.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
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

    /** Where {@code ip netns exec} finds a namespace's files. */
    public static final Path SYSTEM_ROOT = Path.of("/etc/netns");

    public static EtcFiles system()
    {
        return new EtcFiles(SYSTEM_ROOT, Path.of("/etc/resolv.conf"));
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
        return resolvConf(List.of());
    }

    /**
     * The resolver configuration of a container with its own nameservers ({@code run --dns}):
     * the host's search and options lines with those nameservers instead of the host's; with
     * none given, the host's as {@link #hostResolvConf()} says.
     */
    public String resolvConf(final List<String> nameservers)
    {
        final List<String> kept = new ArrayList<>();
        boolean nameserver = false;
        for (final String line : hostLines())
        {
            final String[] words = line.trim().split("\\s+");
            if (words.length >= 2 && "nameserver".equals(words[0]))
            {
                if (!nameservers.isEmpty() || isLoopback(words[1]))
                {
                    continue;
                }
                nameserver = true;
            }
            kept.add(line);
        }
        for (final String server : nameservers)
        {
            kept.add("nameserver " + server);
            nameserver = true;
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

    /**
     * The resolver configuration of a container that uses the embedded DNS: {@code nameserver
     * 127.0.0.11} with {@code ndots:0}, the host's search line and other options, and, as
     * Docker's does, a note of the servers the embedded DNS forwards other names to.
     */
    public String embeddedResolvConf(final String embeddedAddress, final List<String> upstreams)
    {
        final List<String> kept = new ArrayList<>();
        for (final String line : hostLines())
        {
            final String[] words = line.trim().split("\\s+");
            if (words.length >= 1 && ("nameserver".equals(words[0]) || "options".equals(words[0])))
            {
                if ("options".equals(words[0]))
                {
                    final List<String> options = new ArrayList<>();
                    for (int i = 1; i < words.length; i++)
                    {
                        if (!words[i].startsWith("ndots:"))
                        {
                            options.add(words[i]);
                        }
                    }
                    if (!options.isEmpty())
                    {
                        kept.add("options " + String.join(" ", options));
                    }
                }
                continue;
            }
            if (!line.isBlank() && !line.trim().startsWith("#") && !line.trim().startsWith(";"))
            {
                kept.add(line);
            }
        }
        kept.add("nameserver " + embeddedAddress);
        kept.add("options ndots:0");
        kept.add("");
        kept.add("# ExtServers: [" + String.join(" ", upstreams) + "]");
        return String.join("\n", kept) + "\n";
    }

    /** The host's nameservers, in order, loopback ones included: the embedded DNS forwards from the host's namespace. */
    public List<String> hostNameservers()
    {
        final List<String> servers = new ArrayList<>();
        for (final String line : hostLines())
        {
            final String[] words = line.trim().split("\\s+");
            if (words.length >= 2 && "nameserver".equals(words[0]))
            {
                servers.add(words[1]);
            }
        }
        return servers;
    }

    private List<String> hostLines()
    {
        try
        {
            return Files.readAllLines(hostResolvConf, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            return List.of();
        }
    }

    private static boolean isLoopback(final String address)
    {
        return address.startsWith("127.") || "::1".equals(address);
    }

    /**
     * Writes both files. A new file is written whole under a temporary name and renamed into
     * place; an existing one is rewritten in place, as Docker rewrites a container's hosts file:
     * every command already running in the sandbox sees {@code /etc/hosts} through a bind mount
     * that {@code ip netns exec} made of the file's inode when it started, and a renamed-in
     * replacement would be a new inode that command never sees (a linking container's server
     * would go on reaching the old address of a re-created link target). The price, Docker's too:
     * a lookup racing the rewrite may read the file half-written.
     */
    public void write(final String netns, final String hosts, final String resolvConf)
    {
        final Path dir = directory(netns);
        try
        {
            Files.createDirectories(dir);
            writeKeepingInode(dir.resolve("hosts"), hosts);
            writeKeepingInode(dir.resolve("resolv.conf"), resolvConf);
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

    private static void writeKeepingInode(final Path file, final String content) throws IOException
    {
        if (Files.exists(file))
        {
            if (content.equals(Files.readString(file, StandardCharsets.UTF_8)))
            {
                // unchanged (most rewrites after another container came or went): no window in
                // which a lookup could read it half-written
                return;
            }
            Files.writeString(file, content, StandardCharsets.UTF_8, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            return;
        }
        writeAtomically(file, content);
    }

    private static void writeAtomically(final Path file, final String content) throws IOException
    {
        final Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temporary, content, StandardCharsets.UTF_8);
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
