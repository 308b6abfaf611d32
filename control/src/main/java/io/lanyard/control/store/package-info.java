/** Where the daemon's state lives: an atomically rewritten JSON file in the state directory. */
package io.lanyard.control.store;
