/**
 * Frames for tests and benchmarks of every module, built byte by byte and independently of the
 * views under test: the IPv4/ARP/Ethernet {@link io.lanyard.forwarding.testkit.FrameBuilder},
 * the {@link io.lanyard.forwarding.testkit.Slot} it builds into (virtio header and frame, read
 * back field by field), checksums computed the slow obvious way, and golden packets; for the
 * fuzz tests, {@link io.lanyard.forwarding.testkit.FuzzRun} (their driver: seed, tries, long
 * mode and summary line), {@link io.lanyard.forwarding.testkit.Draw} (what their generators draw)
 * and {@link io.lanyard.forwarding.testkit.FrameMutation} (what mangles a golden frame).
 * Published as forwarding's test-jar.
 */
package io.lanyard.forwarding.testkit;
