/**
 * The frames the dataplane writes as a station itself, shared by every responder: an ARP reply
 * or an ICMP echo reply written in place over the request, and the ARP request that resolves a
 * next hop.
 */
package io.lanyard.forwarding.reply;
