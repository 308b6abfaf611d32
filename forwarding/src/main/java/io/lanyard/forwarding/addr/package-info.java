/** MAC and IPv4 addresses as primitives for the hot path, and their text forms for the edges. */
package io.lanyard.forwarding.addr;
