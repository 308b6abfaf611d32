/**
 * Ethernet switching: MAC learning with aging and a bound, bridge domains, flooding and
 * inter-container policy (ICC and the allowed pairs of legacy links); nothing of gateways or routing.
 */
package io.lanyard.forwarding.l2;
