package io.lanyard.control;

import io.lanyard.control.model.Endpoint;
import io.lanyard.dataplane.Port;
import io.lanyard.tap.TapDevice;

/** An endpoint's interface as the dataplane holds it. */
public record Attachment(String sandboxId, Endpoint endpoint, TapDevice tap, Port port)
{
}
