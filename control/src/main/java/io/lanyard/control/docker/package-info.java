/**
 * Lanyard as Docker's remote network driver and IPAM driver ({@code lanyardd --docker-plugin}):
 * Docker's plugin protocol mapped onto the control plane's networks and attach primitive.
 */
package io.lanyard.control.docker;
