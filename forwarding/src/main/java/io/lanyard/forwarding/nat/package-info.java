/** Connection tracking for masquerade and DNAT: both directions of each flow, its protocol state and idle timeouts. */
package io.lanyard.forwarding.nat;
