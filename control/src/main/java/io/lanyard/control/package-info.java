/**
 * The daemon and its control plane: {@link io.lanyard.control.ControlPlane}, the façade that holds the model's lock and the
 * script of each request, and the collaborators it hands each step to, one job and the state of that job each.
 */
package io.lanyard.control;
