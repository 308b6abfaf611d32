/** {@code lanyard capture}: the frames the dataplane saw on some ports, streamed as pcapng. */
package io.lanyard.control.capture;
