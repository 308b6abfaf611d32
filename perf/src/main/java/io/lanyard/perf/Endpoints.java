package io.lanyard.perf;

/**
 * One switch under test as the measurements see it: a client namespace, a server namespace and
 * the server's address, with the switch between them; {@code clientSeenAs} is the address the
 * server must see the client's connections come from (the client's own, or the masquerade
 * address), checked after every TCP measurement.
 */
record Endpoints(String label, String clientNetns, String serverNetns, String serverAddress, String clientSeenAs)
{
}
