/** The HTTP/JSON API on the daemon's Unix socket: Docker Engine's network paths and Lanyard's sandbox paths. */
package io.lanyard.control.api;
