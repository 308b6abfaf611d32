/**
 * What every client of lanyardd shares (the CLI, the perf harness, the end-to-end tests, and the
 * daemon's own API server): the blocking Unix-socket client, the JSON mapper and the one-line
 * logging format. Nothing here knows the daemon's classes.
 */
package io.lanyard.client;
