package io.lanyard.control.ports;

import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProxyChannelsTest
{
    private final ProxyChannels channels = new ProxyChannels();

    /** A channel of its own identity: embedded channels share one ID unless given one, and a group keys by ID. */
    private static EmbeddedChannel channel()
    {
        return new EmbeddedChannel(DefaultChannelId.newInstance());
    }

    @Test
    void shouldCloseEveryChannelTrackedWhenClosingAll()
    {
        final EmbeddedChannel client = channel();
        final EmbeddedChannel target = channel();
        channels.track(client);
        channels.track(target);
        assertTrue(client.isOpen() && target.isOpen(), "tracking alone closes nothing");

        channels.refuseNew();
        channels.closeAll();

        assertFalse(client.isOpen());
        assertFalse(target.isOpen());
    }

    @Test
    void shouldCloseAChannelTrackedOnceTheProxyIsClosing()
    {
        channels.refuseNew();
        final EmbeddedChannel late = channel();

        channels.track(late);

        assertFalse(late.isOpen(), "a channel opened while the proxy closes must not outlive it");
    }
}
