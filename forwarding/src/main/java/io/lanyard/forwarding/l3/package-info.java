/** The IPv4 services of a bridge network's gateway address, answered in the pipeline. */
package io.lanyard.forwarding.l3;
