/**
 * The packet pipeline: ring slots, the I/O producer, the forwarding and transmit stages, and the
 * rooms through which the control plane programs it (the port table, the overlay ports and the
 * command proxy), with their counters.
 */
package io.lanyard.dataplane;
