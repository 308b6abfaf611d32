/** Ethernet switching: MAC learning with aging and a bound, bridge domains, flooding, drop reasons. */
package io.lanyard.forwarding.l2;
