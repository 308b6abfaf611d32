/**
 * VXLAN (RFC 7348): the header view, the outer-header template, the flow-hashed outer source
 * port, and for overlay networks the VTEP table, proxy ARP and the overlay-aware forwarding
 * decision around the gateway switch.
 */
package io.lanyard.vxlan;
