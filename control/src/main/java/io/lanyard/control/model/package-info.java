/** What the daemon knows and persists: networks, IPAM configuration, sandboxes and their endpoints. */
package io.lanyard.control.model;
