/**
 * Ingress policy per port, before any switching: port security (a sandbox's port sends only as
 * itself). Depends on {@code wire} and {@code verdict} only.
 */
package io.lanyard.forwarding.security;
