package io.lanyard.control.api;

import io.lanyard.control.ControlPlane;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code GET /info} in Docker's shape, so {@code docker info} prints a Server section: the
 * sandboxes counted as containers, the network drivers as plugins, the host's kernel, OS, CPUs and
 * memory, and no images, storage, runtimes or swarm. Live restore is on: sandboxes outlive a
 * daemon restart. One warning says what the daemon is not (which also keeps older clients from
 * warning about every resource limit). Lanyard's own fields ({@code Pid}, {@code NetnsPath},
 * {@code SandboxPrefix}) follow Docker's.
 */
final class SystemInfo
{
    static final String WARNING = "WARNING: lanyardd manages networks only: its containers are sandboxes, " +
        "with no images, volumes or resource limits";

    private SystemInfo()
    {
    }

    static Map<String, Object> view(final ControlPlane control, final long daemonPid, final Instant now)
    {
        int running = 0;
        final List<Sandbox> sandboxes = control.sandboxes();
        for (final Sandbox sandbox : sandboxes)
        {
            if ("running".equals(new ContainerRow(sandbox, control.isRunning(sandbox), Map.of()).state()))
            {
                running++;
            }
        }
        final Map<String, String> os = osRelease();
        final Path stateDirectory = control.settings().stateDirectory().toAbsolutePath();
        final String hostname = read(Path.of("/proc/sys/kernel/hostname")).trim();
        final Map<String, Object> info = new LinkedHashMap<>();
        info.put("ID", UUID.nameUUIDFromBytes((hostname + ":" + stateDirectory).getBytes(StandardCharsets.UTF_8)).toString());
        info.put("Containers", sandboxes.size());
        info.put("ContainersRunning", running);
        info.put("ContainersPaused", 0);
        info.put("ContainersStopped", sandboxes.size() - running);
        info.put("Images", 0);
        info.put("Driver", "");
        info.put("DriverStatus", List.of());
        info.put("Plugins", Map.of("Volume", List.of(), "Network",
            List.of(Network.DRIVER_BRIDGE, Network.DRIVER_HOST, Network.DRIVER_NULL, Network.DRIVER_OVERLAY), "Log", List.of()));
        info.put("MemoryLimit", false);
        info.put("SwapLimit", false);
        info.put("CpuCfsPeriod", false);
        info.put("CpuCfsQuota", false);
        info.put("CPUShares", false);
        info.put("CPUSet", false);
        info.put("PidsLimit", false);
        info.put("OomKillDisable", false);
        info.put("IPv4Forwarding", false);
        info.put("Debug", false);
        info.put("NFd", countEntries(Path.of("/proc/self/fd")));
        info.put("NGoroutines", ManagementFactory.getThreadMXBean().getThreadCount());
        info.put("SystemTime", now.toString());
        info.put("LoggingDriver", "");
        info.put("CgroupDriver", "");
        info.put("NEventsListener", control.events().listeners());
        info.put("KernelVersion", System.getProperty("os.version"));
        info.put("OperatingSystem", os.getOrDefault("PRETTY_NAME", "Linux"));
        info.put("OSVersion", os.getOrDefault("VERSION_ID", ""));
        info.put("OSType", "linux");
        info.put("Architecture", "amd64".equals(System.getProperty("os.arch")) ? "x86_64" : System.getProperty("os.arch"));
        info.put("IndexServerAddress", "");
        info.put("NCPU", Runtime.getRuntime().availableProcessors());
        info.put("MemTotal", memTotal());
        info.put("DockerRootDir", stateDirectory.toString());
        info.put("Name", hostname);
        info.put("Labels", List.of());
        info.put("ExperimentalBuild", false);
        info.put("ServerVersion", ApiRoutes.VERSION);
        info.put("Runtimes", Map.of());
        info.put("DefaultRuntime", "");
        final Map<String, Object> swarm = new LinkedHashMap<>();
        swarm.put("NodeID", "");
        swarm.put("NodeAddr", "");
        swarm.put("LocalNodeState", "inactive");
        swarm.put("ControlAvailable", false);
        swarm.put("Error", "");
        swarm.put("RemoteManagers", null);
        info.put("Swarm", swarm);
        info.put("LiveRestoreEnabled", true);
        info.put("Isolation", "");
        info.put("InitBinary", "");
        info.put("ContainerdCommit", Map.of("ID", ""));
        info.put("RuncCommit", Map.of("ID", ""));
        info.put("InitCommit", Map.of("ID", ""));
        info.put("SecurityOptions", List.of());
        info.put("Warnings", List.of(WARNING));
        info.put("Pid", daemonPid);
        info.put("NetnsPath", "/proc/" + daemonPid + "/ns/net");
        info.put("SandboxPrefix", control.settings().sandboxPrefix());
        return info;
    }

    /** {@code /etc/os-release} as key to unquoted value. */
    private static Map<String, String> osRelease()
    {
        final Map<String, String> values = new LinkedHashMap<>();
        for (final String line : read(Path.of("/etc/os-release")).split("\n"))
        {
            final int equals = line.indexOf('=');
            if (equals > 0)
            {
                values.put(line.substring(0, equals), line.substring(equals + 1).replaceAll("^\"|\"$", ""));
            }
        }
        return values;
    }

    private static long memTotal()
    {
        for (final String line : read(Path.of("/proc/meminfo")).split("\n"))
        {
            if (line.startsWith("MemTotal:"))
            {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return 0;
    }

    private static int countEntries(final Path directory)
    {
        final String[] entries = new File(directory.toString()).list();
        return entries == null ? 0 : entries.length;
    }

    /** The file's text, or "" when it cannot be read (facts about the host are best effort). */
    private static String read(final Path file)
    {
        try
        {
            return Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            return "";
        }
    }
}
