/** The Linux side of sandboxes: namespaces, TAP interfaces, /etc/netns files and background commands. */
package io.lanyard.control.sandbox;
