/**
 * {@code lanyardd --metrics-addr}: the daemon's counters in Prometheus's text format, read from
 * the counters file and the control plane's tables at each scrape, never from the packet path.
 */
package io.lanyard.control.metrics;
