/**
 * The cluster store: the state several {@code lanyardd} hosts share (overlay networks, VNIs,
 * addresses, endpoints, VTEPs), kept in etcd and reached through a client whose every call is
 * bounded by a timeout.
 */
package io.lanyard.control.cluster;
