/** {@code lanyard-perf}: Lanyard and the Linux bridge built side by side in throwaway namespaces and measured in the same run. */
package io.lanyard.perf;
