/** Ethernet switching: MAC learning with aging and a bound, bridge domains, flooding, inter-container policy. */
package io.lanyard.forwarding.l2;
