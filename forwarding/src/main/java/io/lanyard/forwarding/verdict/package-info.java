/**
 * The forwarding decision as one value: where a frame goes ({@link io.lanyard.forwarding.verdict.Verdict})
 * and why one was not delivered ({@link io.lanyard.forwarding.verdict.DropReason}). Both the switch
 * (l2) and the router (l3) write it; the dataplane's stages read it.
 */
package io.lanyard.forwarding.verdict;
