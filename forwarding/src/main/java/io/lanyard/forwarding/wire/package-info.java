/**
 * Zero-copy views of packet headers over Agrona buffers: validate with isValid(), then read or write fields.
 *
 * <p>A view is re-wrapped for every frame, nearly always over the same ring buffer. Its
 * {@code wrap} stores the buffer only when it changes: under G1 every store of a reference into
 * an old object crossing a heap region runs a write barrier with a StoreLoad fence, even when
 * the value stored is the one already there, and a frame's decision wraps half a dozen views.
 */
package io.lanyard.forwarding.wire;
