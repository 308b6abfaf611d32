package io.lanyard.dataplane;

import java.util.concurrent.CompletableFuture;

/**
 * Completes once the transmit stage has handled every slot up to {@code sequence}: after that no
 * thread of the pipeline still holds a decision made before the fence, so a port detached at
 * that sequence can release its descriptor and counters.
 */
record Fence(long sequence, CompletableFuture<Void> passed)
{
}
