/** What happened to networks, as Docker's {@code /events} reports it: a bounded log of recent events and live subscribers. */
package io.lanyard.control.events;
