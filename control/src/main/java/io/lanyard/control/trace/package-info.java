/**
 * {@code lanyard trace}: a synthetic frame built as a sandbox would send it, decided by the
 * forwarding stage's own code ({@code ForwardingProxy.trace}) and told back step by step.
 */
package io.lanyard.control.trace;
