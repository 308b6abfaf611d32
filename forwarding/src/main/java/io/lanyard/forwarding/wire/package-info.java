/** Zero-copy views of packet headers over Agrona buffers: validate with isValid(), then read or write fields. */
package io.lanyard.forwarding.wire;
