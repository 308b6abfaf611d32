/** Published ports: the {@code -p} syntax, and the userland proxy that forwards a host port to a container. */
package io.lanyard.control.ports;
