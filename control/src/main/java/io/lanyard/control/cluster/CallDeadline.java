package io.lanyard.control.cluster;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Puts a deadline on every unary etcd call (get, put, txn, lease grant/revoke/lookup). jetcd waits
 * for a connection before sending ("wait for ready") and sets no deadline of its own, so without
 * this a call made while etcd is down would wait for as long as etcd stays down. The long-lived
 * streams (watches, the keep-alive stream) are left alone: they are meant to outlast an outage.
 */
final class CallDeadline implements ClientInterceptor
{
    private final long timeoutNanos;

    CallDeadline(final Duration timeout)
    {
        this.timeoutNanos = timeout.toNanos();
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(final MethodDescriptor<Q, R> method, final CallOptions options, final Channel next)
    {
        final boolean unary = method.getType() == MethodDescriptor.MethodType.UNARY;
        return next.newCall(method, unary && options.getDeadline() == null ? options.withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS) : options);
    }
}
