/** The embedded DNS: the names containers resolve on the networks they share. */
package io.lanyard.control.dns;
