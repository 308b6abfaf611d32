/** Where the daemon's state lives: a JSON snapshot and a journal of the changes since, in the state directory. */
package io.lanyard.control.store;
