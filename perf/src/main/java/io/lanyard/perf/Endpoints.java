package io.lanyard.perf;

/**
 * One switch under test as the measurements see it: a client namespace, a server namespace and
 * the server's address, with the switch between them.
 */
record Endpoints(String label, String clientNetns, String serverNetns, String serverAddress)
{
}
