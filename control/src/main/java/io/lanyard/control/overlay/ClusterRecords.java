package io.lanyard.control.overlay;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * The values the hosts of a cluster write for each other, as JSON under {@link OverlayCluster#ROOT}
 * (the keys are {@link ClusterKeys}'), and their encoding. A value that does not decode is another
 * host's (or another version's) business: it is logged and skipped, never fatal.
 */
public final class ClusterRecords
{
    private static final System.Logger LOG = System.getLogger(ClusterRecords.class.getName());
    private static final ObjectMapper JSON = JsonMapper.builder()
        .addModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .build();

    private ClusterRecords()
    {
    }

    static byte[] encode(final Object value)
    {
        try
        {
            return JSON.writeValueAsBytes(value);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** The value of {@code key} as a {@code type}; empty, and a warning logged, when it is not one. */
    static <T> Optional<T> decode(final String key, final byte[] value, final Class<T> type)
    {
        try
        {
            return Optional.of(JSON.readValue(value, type));
        }
        catch (final IOException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "ignoring " + key + " in the cluster store: not a " + type.getSimpleName() +
                " (" + ex.getMessage().lines().findFirst().orElse("") + ")");
            return Optional.empty();
        }
    }

    /**
     * A host of the cluster, under {@code hosts/IP} while its daemon lives (a lease).
     *
     * @param name the host's name, shown in {@code Peers}.
     * @param ip   its advertised address: its VTEP.
     */
    public record Host(String name, String ip)
    {
    }

    /**
     * A container's interface on an overlay network, under {@code endpoints/NETWORK/ENDPOINT} while
     * its host's daemon lives (a lease): what the other hosts program into their VTEP tables.
     *
     * @param host  the VTEP of the host the container runs on.
     * @param names what else the embedded DNS answers for it on the network besides its
     *              container name: its aliases there and its short ID.
     */
    public record RemoteEndpoint(String network, String endpoint, String sandbox, String host, String mac, String ip,
        List<String> names)
    {
        public RemoteEndpoint
        {
            names = names == null ? List.of() : List.copyOf(names);
        }

        /** An endpoint known by its container name alone. */
        public RemoteEndpoint(final String network, final String endpoint, final String sandbox, final String host,
            final String mac, final String ip)
        {
            this(network, endpoint, sandbox, host, mac, ip, List.of());
        }
    }

    /**
     * An address of an overlay network taken by a container, under {@code addresses/NETWORK/IP}
     * until the container leaves the network: made with a create-if-absent, so two hosts never
     * hand out the same address.
     */
    public record AddressClaim(String endpoint, String sandbox, String host)
    {
    }
}
