/**
 * Layer 3 between Lanyard's networks and the outside: the {@link io.lanyard.forwarding.l3.Router}
 * (isolation, masquerade, published ports and hairpin, the uplink and its next hops, ICMP errors
 * of translated flows) with the parts it decides with, and each network's gateway address as
 * containers see it ({@link io.lanyard.forwarding.l3.GatewayResponder}: ARP and ping). It knows no
 * switch: the router sees ports through {@link io.lanyard.forwarding.l3.Router.Domains}.
 */
package io.lanyard.forwarding.l3;
