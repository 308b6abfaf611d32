/**
 * The cluster side of overlay networks: what this host shares with the others through the
 * cluster store (networks, address claims, endpoints, hosts) and the mirror of it that drives
 * the dataplane's VXLAN tables.
 */
package io.lanyard.control.overlay;
