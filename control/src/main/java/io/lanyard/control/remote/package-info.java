/**
 * Lanyard as a client of Docker's remote network driver plugins ({@code network create --driver
 * NAME} for a driver that is not built in): finding a plugin as Docker does, and its calls.
 */
package io.lanyard.control.remote;
