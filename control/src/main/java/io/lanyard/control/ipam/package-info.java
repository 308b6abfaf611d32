/** IP address management: subnet pools, gateway and auxiliary reservations, lowest-free allocation. */
package io.lanyard.control.ipam;
