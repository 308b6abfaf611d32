/** Linux plumbing: TAP devices, network namespaces, iproute2, and readiness through Netty's epoll and io_uring. */
package io.lanyard.tap;
