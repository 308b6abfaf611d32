package io.lanyard.control.docker;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.lanyard.control.store.CorruptStateException;
import io.lanyard.control.store.DurableFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the Docker plugin remembers beyond the control plane's own state, in one JSON file beside
 * it, replaced whole on every change ({@link DurableFile#replace}): which Lanyard network each
 * Docker network is, Docker's endpoints between {@code CreateEndpoint} and {@code DeleteEndpoint},
 * and the IPAM driver's pools with the addresses it handed out. Docker keeps its own copy of all
 * this and does not replay it to a plugin that restarts, so losing it would strand its networks.
 */
final class DockerPluginState
{
    static final String FILE_NAME = "docker-plugin.json";

    /**
     * @param network the Lanyard network's name.
     * @param owned   made for this Docker network (removed with it), rather than an existing one it attaches to.
     */
    record DockerNetwork(String network, boolean owned)
    {
    }

    /**
     * @param dockerNetwork Docker's network ID.
     * @param address       the endpoint's IPv4 address, without prefix.
     * @param sandbox       the Lanyard sandbox it joined, null before {@code Join} and after {@code Leave}.
     */
    record DockerEndpoint(String dockerNetwork, String address, String sandbox)
    {
        DockerEndpoint joined(final String sandboxName)
        {
            return new DockerEndpoint(dockerNetwork, address, sandboxName);
        }
    }

    /**
     * @param network   the Lanyard network the pool is, when it was asked for by name; null otherwise.
     * @param users     how many Docker networks requested it and have not released it.
     * @param gateway   the gateway Docker was given, null before it asked.
     * @param addresses the addresses handed out to endpoints.
     * @param range     the part of the subnet addresses come from ({@code --ip-range}), null for all of it.
     */
    record Pool(String subnet, String gateway, String network, int users, List<String> addresses, String range)
    {
        Pool
        {
            addresses = addresses == null ? List.of() : List.copyOf(addresses);
        }

        Pool withUsers(final int count)
        {
            return new Pool(subnet, gateway, network, count, addresses, range);
        }

        Pool withGateway(final String address)
        {
            return new Pool(subnet, address, network, users, addresses, range);
        }

        Pool withAddresses(final List<String> handedOut)
        {
            return new Pool(subnet, gateway, network, users, handedOut, range);
        }
    }

    record Snapshot(Map<String, DockerNetwork> networks, Map<String, DockerEndpoint> endpoints, Map<String, Pool> pools)
    {
    }

    private static final JsonMapper JSON = JsonMapper.builder()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .build();

    private final Path file;
    final Map<String, DockerNetwork> networks = new TreeMap<>();
    final Map<String, DockerEndpoint> endpoints = new TreeMap<>();
    final Map<String, Pool> pools = new TreeMap<>();

    private DockerPluginState(final Path file)
    {
        this.file = file;
    }

    /**
     * @return the state kept in {@code directory}, empty when there is none yet.
     * @throws CorruptStateException when the file is there but cannot be read.
     */
    static DockerPluginState load(final Path directory)
    {
        final DockerPluginState state = new DockerPluginState(directory.resolve(FILE_NAME));
        try
        {
            final Snapshot snapshot = JSON.readValue(Files.readAllBytes(state.file), Snapshot.class);
            putAll(state.networks, snapshot.networks());
            putAll(state.endpoints, snapshot.endpoints());
            putAll(state.pools, snapshot.pools());
        }
        catch (final NoSuchFileException ex)
        {
            // nothing was ever created through the plugin
        }
        catch (final IOException ex)
        {
            throw new CorruptStateException("cannot read " + state.file + ": " + ex.getMessage());
        }
        return state;
    }

    private static <V> void putAll(final Map<String, V> into, final Map<String, V> from)
    {
        if (from != null)
        {
            into.putAll(from);
        }
    }

    /** Writes the whole state; call after every change, before answering Docker. */
    void save()
    {
        try
        {
            DurableFile.replace(file, JSON.writeValueAsBytes(new Snapshot(networks, endpoints, pools)));
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot write " + file + ": " + ex.getMessage(), ex);
        }
    }
}
