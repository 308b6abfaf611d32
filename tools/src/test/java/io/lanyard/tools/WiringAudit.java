package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.lanyard.client.Json;
import io.lanyard.testkit.Shell;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Compares what a {@link LanyardHost}'s daemon says it has with what the host has: every listed
 * sandbox's namespace holds a TAP for each of its endpoints, with the recorded MAC and address,
 * and nothing else; each endpoint is a switch port; no address or MAC is given twice on a
 * network; no namespace, {@code /etc/netns} directory, TAP, command process or descriptor is
 * left over; and the {@code anchor} sandbox reaches every other endpoint on its networks. The
 * first {@link #check} is the baseline the later ones are held to (the daemon's own devices, its
 * descriptors beyond those of its sandboxes).
 */
final class WiringAudit
{
    /** Descriptors a later daemon may hold beyond the first one's (a jar, a timer opened late), before it counts as a leak. */
    private static final int DESCRIPTOR_SLACK = 4;

    /** One interface of a sandbox as the daemon records it. */
    record Nic(String network, String device, String address, int prefixLength, String mac)
    {
    }

    /** A sandbox as the daemon lists it. */
    record Member(String name, String netns, List<Nic> nics, List<String> command, boolean running, long pid)
    {
        Set<String> networks()
        {
            final Set<String> names = new TreeSet<>();
            nics.forEach(nic -> names.add(nic.network()));
            return names;
        }
    }

    /** The daemon's descriptors: TAPs ({@code /dev/net/tun}) and all others. */
    record Descriptors(int taps, int others)
    {
    }

    /** What one check found: the sandboxes listed, the descriptors beyond the first start's, and every inconsistency. */
    record Findings(Map<String, Member> members, long descriptorGrowth, List<String> problems)
    {
        Map<String, Set<String>> networksByName()
        {
            final Map<String, Set<String>> networks = new TreeMap<>();
            members.forEach((name, member) -> networks.put(name, member.networks()));
            return networks;
        }
    }

    private final LanyardHost host;
    private final String anchor;
    private final String sleepMarker;
    /** Descriptors one more sandbox and one more endpoint add beside their TAP ({@link #calibrate}). */
    private int perSandbox;
    private int perEndpoint;
    private Set<String> daemonDevices;
    private Integer baseOwnTaps;
    private Long baseResidue;

    /**
     * @param anchor      a sandbox no client touches, on every network, that pings the others.
     * @param sleepMarker an argument only the test's command processes carry.
     */
    WiringAudit(final LanyardHost host, final String anchor, final String sleepMarker)
    {
        this.host = host;
        this.anchor = anchor;
        this.sleepMarker = sleepMarker;
    }

    /**
     * Measures the descriptors a sandbox and an endpoint cost besides their TAP, by running
     * {@code probe} on {@code first}, connecting it to {@code second} and removing it.
     */
    void calibrate(final String probe, final String first, final String second)
    {
        final Descriptors before = settledDescriptors();
        host.cli("run", "-d", "--net", first, "--name", probe).ok();
        final Descriptors oneEndpoint = settledDescriptors();
        host.cli("network", "connect", second, probe).ok();
        final Descriptors twoEndpoints = settledDescriptors();
        host.cli("rm", probe).ok();
        perEndpoint = twoEndpoints.others() - oneEndpoint.others();
        perSandbox = oneEndpoint.others() - before.others() - perEndpoint;
    }

    int perSandbox()
    {
        return perSandbox;
    }

    int perEndpoint()
    {
        return perEndpoint;
    }

    Findings check()
    {
        final List<String> problems = new ArrayList<>();
        final Map<String, Member> members = listed();
        checkStateFile(members, problems);
        final List<String> namespaces = host.namespaces.existing();
        int endpoints = 0;
        for (final Member member : members.values())
        {
            checkInterfaces(member, namespaces, problems);
            endpoints += member.nics().size();
        }
        checkPorts(members, problems);
        checkAddressesAreUnique(members, problems);
        checkNothingIsLeftOver(members, namespaces, problems);
        checkProcesses(members, problems);
        checkConnectivity(members, problems);

        final Descriptors descriptors = settledDescriptors();
        final int ownTaps = descriptors.taps() - endpoints;
        if (baseOwnTaps == null)
        {
            baseOwnTaps = ownTaps;
        }
        if (ownTaps != baseOwnTaps)
        {
            problems.add("the daemon holds " + descriptors.taps() + " TAP descriptors for " + endpoints + " endpoints and " +
                baseOwnTaps + " devices of its own");
        }
        final long residue = descriptors.others() - (long)perSandbox * members.size() - (long)perEndpoint * endpoints;
        if (baseResidue == null)
        {
            baseResidue = residue;
        }
        if (residue > baseResidue + DESCRIPTOR_SLACK)
        {
            problems.add("descriptors grew: " + descriptors + " for " + members.size() + " sandboxes and " + endpoints +
                " endpoints is " + (residue - baseResidue) + " more than the first start's");
        }
        return new Findings(members, residue - baseResidue, problems);
    }

    private Map<String, Member> listed()
    {
        final Map<String, Member> members = new TreeMap<>();
        for (final JsonNode sandbox : host.get("/sandboxes"))
        {
            final List<Nic> nics = new ArrayList<>();
            sandbox.path("Networks").fields().forEachRemaining(entry -> nics.add(new Nic(entry.getKey(),
                entry.getValue().path("Interface").asText(), entry.getValue().path("IPAddress").asText(),
                entry.getValue().path("IPPrefixLen").asInt(), entry.getValue().path("MacAddress").asText())));
            final List<String> command = new ArrayList<>();
            sandbox.path("Command").forEach(word -> command.add(word.asText()));
            members.put(sandbox.path("Name").asText(), new Member(sandbox.path("Name").asText(), sandbox.path("Netns").asText(),
                nics, command, sandbox.path("Running").asBoolean(), sandbox.path("Pid").asLong(0)));
        }
        return members;
    }

    /** The state file lists the same sandboxes, none of them (or of their endpoints) half done. */
    private void checkStateFile(final Map<String, Member> members, final List<String> problems)
    {
        final JsonNode state;
        try
        {
            state = StoredState.read(host.stateDir);
        }
        catch (final IOException ex)
        {
            problems.add("cannot read the state file: " + ex.getMessage());
            return;
        }
        final Set<String> stored = new TreeSet<>();
        for (final JsonNode sandbox : state.path("sandboxes"))
        {
            stored.add(sandbox.path("name").asText());
            if (!"ready".equals(sandbox.path("state").asText()))
            {
                problems.add("the state file has sandbox " + sandbox.path("name").asText() + " " + sandbox.path("state").asText());
            }
            for (final JsonNode endpoint : sandbox.path("endpoints"))
            {
                if (!endpoint.path("state").isNull() && !endpoint.path("state").isMissingNode())
                {
                    problems.add("the state file has an endpoint of " + sandbox.path("name").asText() + " " + endpoint.path("state"));
                }
            }
        }
        if (!stored.equals(members.keySet()))
        {
            problems.add("the state file stores " + stored + ", the daemon lists " + members.keySet());
        }
    }

    /** Inside its namespace: lo, and a TAP for each endpoint, up, with its MAC and address; nothing else. */
    private static void checkInterfaces(final Member member, final List<String> namespaces, final List<String> problems)
    {
        if (!namespaces.contains(member.netns()))
        {
            problems.add("lost: " + member.name() + "'s namespace " + member.netns() + " is gone");
            return;
        }
        final Shell.Result shown = Shell.run(List.of("ip", "-n", member.netns(), "-j", "-d", "addr", "show"));
        if (shown.status() != 0)
        {
            problems.add("cannot list the interfaces of " + member.name() + ": " + shown.output());
            return;
        }
        final Map<String, JsonNode> devices = new TreeMap<>();
        for (final JsonNode device : parse(shown.output()))
        {
            devices.put(device.path("ifname").asText(), device);
        }
        for (final Nic nic : member.nics())
        {
            final JsonNode device = devices.remove(nic.device());
            if (device == null)
            {
                problems.add("lost endpoint: " + member.name() + " has no " + nic.device() + " for " + nic.network());
                continue;
            }
            final String kind = device.path("linkinfo").path("info_kind").asText();
            final String mac = device.path("address").asText();
            final boolean up = device.path("flags").toString().contains("\"UP\"");
            boolean addressed = false;
            for (final JsonNode address : device.path("addr_info"))
            {
                addressed |= "inet".equals(address.path("family").asText()) && nic.address().equals(address.path("local").asText()) &&
                    nic.prefixLength() == address.path("prefixlen").asInt();
            }
            if (!"tun".equals(kind) || !nic.mac().equals(mac) || !up || !addressed)
            {
                problems.add("miswired endpoint: " + member.name() + "/" + nic.device() + " should be an up TAP with " + nic.mac() +
                    " and " + nic.address() + "/" + nic.prefixLength() + ", is " + device);
            }
        }
        devices.remove("lo");
        if (!devices.isEmpty())
        {
            problems.add("leaked interfaces in " + member.name() + ": " + devices.keySet());
        }
    }

    /** Each endpoint is one switch port, and no port is left for anything else. */
    private void checkPorts(final Map<String, Member> members, final List<String> problems)
    {
        final Map<String, Integer> ports = new TreeMap<>();
        for (final JsonNode port : host.get("/stats").path("Ports"))
        {
            if (!port.path("Sandbox").asText().isEmpty())
            {
                ports.merge(port.path("Sandbox").asText() + "/" + port.path("Interface").asText() + " on " +
                    port.path("Network").asText(), 1, Integer::sum);
            }
        }
        final Map<String, Integer> wanted = new TreeMap<>();
        members.values().forEach(member -> member.nics().forEach(nic ->
            wanted.put(member.name() + "/" + nic.device() + " on " + nic.network(), 1)));
        if (!ports.equals(wanted))
        {
            problems.add("switch ports " + ports + " are not the endpoints " + wanted.keySet());
        }
    }

    private static void checkAddressesAreUnique(final Map<String, Member> members, final List<String> problems)
    {
        final Map<String, String> owners = new HashMap<>();
        for (final Member member : members.values())
        {
            for (final Nic nic : member.nics())
            {
                for (final String key : List.of(nic.network() + " " + nic.address(), nic.network() + " " + nic.mac()))
                {
                    final String other = owners.putIfAbsent(key, member.name());
                    if (other != null)
                    {
                        problems.add("duplicate: " + key + " belongs to both " + other + " and " + member.name());
                    }
                }
            }
        }
    }

    /** No namespace, {@code /etc/netns} directory or device of the daemon's is left beyond what the sandboxes and networks hold. */
    private void checkNothingIsLeftOver(final Map<String, Member> members, final List<String> namespaces, final List<String> problems)
    {
        final Set<String> netns = new TreeSet<>();
        members.values().forEach(member -> netns.add(member.netns()));
        final Set<String> unlisted = new TreeSet<>(namespaces);
        unlisted.remove(host.hostNetns);
        unlisted.removeAll(netns);
        if (!unlisted.isEmpty())
        {
            problems.add("leaked namespaces: " + unlisted);
        }
        final Set<String> etcDirectories = new TreeSet<>(etcNetns());
        etcDirectories.removeAll(netns);
        if (!etcDirectories.isEmpty())
        {
            problems.add("leaked /etc/netns directories: " + etcDirectories);
        }
        final Set<String> devices = new TreeSet<>();
        for (final JsonNode device : parse(host.inHost("ip", "-j", "link", "show").assertOk().output()))
        {
            devices.add(device.path("ifname").asText());
        }
        if (daemonDevices == null)
        {
            daemonDevices = devices;
        }
        else if (!devices.equals(daemonDevices))
        {
            problems.add("the daemon's namespace had " + daemonDevices + " at the first start, has " + devices);
        }
    }

    private List<String> etcNetns()
    {
        try (Stream<Path> directories = Files.list(Path.of("/etc/netns")))
        {
            return directories.map(d -> d.getFileName().toString()).filter(n -> n.startsWith(host.prefix())).toList();
        }
        catch (final IOException ex)
        {
            return List.of();
        }
    }

    /** A sandbox with a command has it running, and no command process runs for a sandbox that is not listed. */
    private void checkProcesses(final Map<String, Member> members, final List<String> problems)
    {
        final Set<Long> owned = new HashSet<>();
        for (final Member member : members.values())
        {
            if (!member.command().isEmpty() && !member.running())
            {
                problems.add(member.name() + " should run " + member.command() + ", does not");
            }
            if (member.running())
            {
                owned.add(member.pid());
            }
        }
        final Set<Long> orphans = new TreeSet<>(commandProcesses(sleepMarker));
        orphans.removeAll(owned);
        if (!orphans.isEmpty())
        {
            problems.add("leaked command processes (PIDs " + orphans + ") of sandboxes no longer listed");
        }
    }

    /** The PIDs of processes whose command line holds {@code marker} as one argument. */
    static List<Long> commandProcesses(final String marker)
    {
        final List<Long> pids = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(process ->
        {
            try
            {
                final String[] words = new String(Files.readAllBytes(Path.of("/proc/" + process.pid() + "/cmdline")),
                    StandardCharsets.UTF_8).split("\0");
                if (List.of(words).contains(marker))
                {
                    pids.add(process.pid());
                }
            }
            catch (final IOException ignored)
            {
                // exited meanwhile
            }
        });
        return pids;
    }

    /** The anchor reaches every other sandbox's address on each network it shares with it. */
    private void checkConnectivity(final Map<String, Member> members, final List<String> problems)
    {
        final Member from = members.get(anchor);
        if (from == null)
        {
            problems.add("lost: the anchor sandbox " + anchor);
            return;
        }
        for (final Member member : members.values())
        {
            for (final Nic nic : member.nics())
            {
                if (member != from && from.networks().contains(nic.network()))
                {
                    final Shell.Result ping = host.inSandbox(anchor, "ping", "-c", "1", "-W", "2", nic.address());
                    if (ping.status() != 0)
                    {
                        problems.add("no connectivity: " + anchor + " cannot ping " + member.name() + " at " + nic.address() +
                            " on " + nic.network());
                    }
                }
            }
        }
    }

    /** The daemon's descriptors once two looks 100 ms apart agree (a request's socket may be closing). */
    Descriptors settledDescriptors()
    {
        Descriptors last = descriptors();
        for (int i = 0; i < 30; i++)
        {
            LanyardHost.sleep(100);
            final Descriptors now = descriptors();
            if (now.equals(last))
            {
                return now;
            }
            last = now;
        }
        return last;
    }

    private Descriptors descriptors()
    {
        int taps = 0;
        int others = 0;
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + host.daemonPid() + "/fd")))
        {
            for (final Path fd : fds.toList())
            {
                try
                {
                    if ("/dev/net/tun".equals(Files.readSymbolicLink(fd).toString()))
                    {
                        taps++;
                    }
                    else
                    {
                        others++;
                    }
                }
                catch (final IOException ignored)
                {
                    // closed meanwhile
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return new Descriptors(taps, others);
    }

    private static JsonNode parse(final String json)
    {
        try
        {
            return Json.MAPPER.readTree(json);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
