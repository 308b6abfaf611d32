/**
 * A bridge network's forwarding decision, composed from its siblings: the learning switch (l2),
 * each network's gateway and the router behind it (l3), with one verdict per frame. The only
 * package of the forwarding module that knows both layers.
 */
package io.lanyard.forwarding.bridge;
