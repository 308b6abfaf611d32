/** Linux plumbing: TAP devices, the uplink's packet socket, network namespaces, iproute2, and readiness through Netty's epoll and io_uring. */
package io.lanyard.tap;
