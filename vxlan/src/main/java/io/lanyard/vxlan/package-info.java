/** VXLAN (RFC 7348): the header view, the outer-header template, the flow-hashed outer source port, the VTEP table and proxy ARP for overlay networks. */
package io.lanyard.vxlan;
