package io.lanyard.control.api;

import io.lanyard.control.model.Endpoint;
import io.lanyard.control.model.Network;
import io.lanyard.control.model.Sandbox;
import io.lanyard.control.ports.PortBinding;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One sandbox as Docker's {@code GET /containers/json} shows a container. A sandbox is
 * {@code running} while its network stack is up, unless a command it ran ({@code run -d}) has
 * exited; it is {@code created} or {@code removing} while the daemon makes or removes it. Its
 * image is {@code lanyard} (there are no images), its command the one it ran, if any.
 *
 * A sandbox with an interface gone from the switch says so after its status, as Docker shows
 * {@code (unhealthy)}: {@code Up 5 minutes (degraded: eth0 gone)}.
 *
 * @param running       whether its command is alive (ignored for a sandbox without a command).
 * @param networksById  the daemon's networks, to name each endpoint's.
 * @param broken        the interfaces not on the switch ({@code ControlPlane.brokenInterfaces}).
 */
record ContainerRow(Sandbox sandbox, boolean running, Map<String, Network> networksById, List<String> broken)
{
    ContainerRow(final Sandbox sandbox, final boolean running, final Map<String, Network> networksById)
    {
        this(sandbox, running, networksById, List.of());
    }

    static final String IMAGE = "lanyard";

    String state()
    {
        if (Sandbox.CREATING.equals(sandbox.state()))
        {
            return "created";
        }
        if (Sandbox.REMOVING.equals(sandbox.state()))
        {
            return "removing";
        }
        return sandbox.pid() != null && !running ? "exited" : "running";
    }

    /** Docker's human status: {@code Up 5 minutes}, {@code Exited (0)}. */
    String status(final Instant now)
    {
        return switch (state())
        {
            case "created" -> "Created";
            case "removing" -> "Removal In Progress";
            case "exited" -> sandbox.exitCode() == null ? "Exited" : "Exited (" + sandbox.exitCode() + ")";
            default -> "Up " + humanDuration(Duration.between(startedAt(), now)) +
                (broken.isEmpty() ? "" : " (degraded: " + String.join(", ", broken) + " gone)");
        };
    }

    /** The container's networks as Docker lists them: its gateway endpoint (the way out of a container on overlays) is none. */
    List<Endpoint> endpoints()
    {
        return sandbox.endpoints().stream().filter(endpoint ->
        {
            final Network network = networksById.get(endpoint.networkId());
            return network == null || !network.isGatewayBridge();
        }).toList();
    }

    /** The network's name, or its ID for one the daemon no longer knows. */
    String networkName(final Endpoint endpoint)
    {
        final Network network = networksById.get(endpoint.networkId());
        return network == null ? endpoint.networkId() : network.name();
    }

    Map<String, Object> view(final Instant now)
    {
        final Map<String, Object> view = new LinkedHashMap<>();
        view.put("Id", sandbox.id());
        view.put("Names", List.of("/" + sandbox.name()));
        view.put("Image", IMAGE);
        view.put("ImageID", "");
        view.put("Command", String.join(" ", sandbox.command()));
        view.put("Created", sandbox.created().getEpochSecond());
        view.put("Ports", ports());
        view.put("Labels", Map.of());
        view.put("State", state());
        view.put("Status", status(now));
        view.put("HostConfig", Map.of("NetworkMode", networkMode()));
        final Map<String, Object> networks = new LinkedHashMap<>();
        for (final Endpoint endpoint : endpoints())
        {
            networks.put(networkName(endpoint), endpointSettings(endpoint));
        }
        view.put("NetworkSettings", Map.of("Networks", networks));
        view.put("Mounts", List.of());
        return view;
    }

    private Instant startedAt()
    {
        return sandbox.pid() != null && sandbox.pidStartMillis() != null ? Instant.ofEpochMilli(sandbox.pidStartMillis()) :
            sandbox.created();
    }

    private String networkMode()
    {
        if (sandbox.isHostNetwork())
        {
            return "host";
        }
        return sandbox.endpoints().isEmpty() ? "none" : networkName(sandbox.endpoints().get(0));
    }

    private List<Map<String, Object>> ports()
    {
        final List<Map<String, Object>> ports = new ArrayList<>();
        for (final PortBinding binding : sandbox.ports())
        {
            final Map<String, Object> port = new LinkedHashMap<>();
            port.put("IP", binding.hostAddress());
            port.put("PrivatePort", binding.containerPort());
            port.put("PublicPort", binding.hostPort());
            port.put("Type", binding.protocol());
            ports.add(port);
        }
        return ports;
    }

    /** Docker's {@code EndpointSettings} of a container summary. */
    private Map<String, Object> endpointSettings(final Endpoint endpoint)
    {
        final Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("IPAMConfig", null);
        entry.put("Links", null);
        entry.put("Aliases", endpoint.aliases().isEmpty() ? null : endpoint.aliases());
        entry.put("MacAddress", endpoint.macAddress() == null ? "" : endpoint.macAddress());
        entry.put("NetworkID", endpoint.networkId());
        entry.put("EndpointID", endpoint.id());
        entry.put("Gateway", JsonViews.gateway(networksById.get(endpoint.networkId()), endpoint));
        entry.put("IPAddress", endpoint.ipv4Address() == null ? "" : endpoint.ipv4Address());
        entry.put("IPPrefixLen", endpoint.prefixLength());
        entry.put("IPv6Gateway", "");
        entry.put("GlobalIPv6Address", "");
        entry.put("GlobalIPv6PrefixLen", 0);
        return entry;
    }

    /** How Docker words how long ago something started ({@code go-units}' {@code HumanDuration}). */
    static String humanDuration(final Duration duration)
    {
        final long seconds = duration.getSeconds();
        final long minutes = seconds / 60;
        final long hours = Math.round(seconds / 3600.0);
        if (seconds < 1)
        {
            return "Less than a second";
        }
        if (seconds < 60)
        {
            return seconds == 1 ? "1 second" : seconds + " seconds";
        }
        if (minutes < 60)
        {
            return minutes == 1 ? "About a minute" : minutes + " minutes";
        }
        if (hours < 48)
        {
            return hours == 1 ? "About an hour" : hours + " hours";
        }
        if (hours < 24 * 7 * 2)
        {
            return hours / 24 + " days";
        }
        if (hours < 24 * 30 * 2)
        {
            return hours / 24 / 7 + " weeks";
        }
        if (hours < 24 * 365 * 2)
        {
            return hours / 24 / 30 + " months";
        }
        return seconds / 3600 / 24 / 365 + " years";
    }
}
