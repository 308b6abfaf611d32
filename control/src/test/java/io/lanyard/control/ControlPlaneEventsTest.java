package io.lanyard.control;

import io.lanyard.control.events.Event;
import io.lanyard.control.model.Network;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The façade publishes a network's events once its request has succeeded, and none for a request
 * it refused. (Connect and disconnect need namespaces: the end-to-end tests see those.)
 */
class ControlPlaneEventsTest
{
    @TempDir
    Path tempDir;

    private ControlPlaneFixture fixture;
    private final List<Event> seen = new ArrayList<>();

    @BeforeEach
    void start()
    {
        fixture = ControlPlaneFixture.fresh(tempDir);
        fixture.control().events().subscribe(null, null, false, event -> true, seen::add);
    }

    @AfterEach
    void stop()
    {
        fixture.close();
    }

    @Test
    void shouldPublishCreateAndDestroyOfAUserNetwork()
    {
        final Network network = fixture.control().createNetwork(new NetworkCreate("app", "bridge", List.of(), false, false, Map.of(),
            Map.of("team", "blue")));
        fixture.control().removeNetwork("app");

        assertEquals(List.of("create", "destroy"), seen.stream().map(Event::action).toList());
        for (final Event event : seen)
        {
            assertEquals(Event.TYPE_NETWORK, event.type());
            assertEquals(network.id(), event.actorId());
            assertEquals(Map.of("name", "app", "type", "bridge"), event.attributes());
        }
    }

    @Test
    void shouldPublishNothingForARefusedRequest()
    {
        assertThrows(RequestException.class, () -> fixture.control().removeNetwork("bridge"));
        assertThrows(RequestException.class, () -> fixture.control().createNetwork(new NetworkCreate("bridge", "bridge", List.of(),
            false, false, Map.of(), Map.of())));

        assertEquals(List.of(), seen);
    }
}
