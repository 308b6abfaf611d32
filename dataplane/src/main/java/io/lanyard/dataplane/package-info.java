/** The packet pipeline: ring slots, the I/O producer, the forwarding and transmit stages, commands and counters. */
package io.lanyard.dataplane;
