/**
 * The API's request and error bodies as records, each with the one mapping of its JSON keys:
 * clients write them, the daemon reads them (strictly) into its own requests.
 */
package io.lanyard.client.api;
