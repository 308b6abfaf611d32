package io.lanyard.control.cluster;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * A prefix watch that resumes itself.
 *
 * <p>jetcd can resume a broken watch too, but it moves its resume point to the revision etcd
 * reports when the watch is (re)created, before the older events have arrived; a break in that
 * window would skip them. So each attempt here is a plain jetcd watch from {@link #nextRevision}
 * — one past the last event handed to the listener — and any error, or the stream ending, closes
 * that attempt and starts a new one from there. Events are numbered by attempt: a late event of
 * an abandoned attempt is dropped, and one at a revision already delivered is skipped, so each
 * change reaches the listener once and in order.
 *
 * <p>Locks: jetcd reports errors while holding its client-wide watch lock, and the owner's
 * listener may well call into jetcd (read, watch again, close). So the monitor that guards this
 * watch's state is only ever held briefly, never while calling out; the listener runs under a
 * separate {@code delivery} lock, taken before the monitor and never on jetcd's error path.
 */
final class EtcdWatch implements Watch
{
    private static final Logger LOG = Logger.getLogger(EtcdWatch.class.getName());
    private static final long FIRST_RETRY_MILLIS = 500;
    private static final long MAX_RETRY_MILLIS = 4000;

    private final EtcdClusterStore store;
    private final String prefix;
    private final ByteSequence key;
    private final Listener listener;

    private long nextRevision;
    private int attempt;
    private io.etcd.jetcd.Watch.Watcher current;
    private boolean closed;
    private boolean interrupted;
    /** Set by {@link #close()}: no listener call starts once it is. */
    private volatile boolean detached;
    /** Held while the owner's listener runs, so that its calls stay one at a time and in order. */
    private final Object delivery = new Object();
    private long retryMillis = FIRST_RETRY_MILLIS;

    EtcdWatch(final EtcdClusterStore store, final String prefix, final ByteSequence key, final long fromRevision, final Listener listener)
    {
        this.store = store;
        this.prefix = prefix;
        this.key = key;
        this.nextRevision = fromRevision;
        this.listener = listener;
    }

    @Override
    public String prefix()
    {
        return prefix;
    }

    @Override
    public synchronized long nextRevision()
    {
        return nextRevision;
    }

    @Override
    public void close()
    {
        final io.etcd.jetcd.Watch.Watcher watcher;
        synchronized (this)
        {
            detached = true;
            if (closed)
            {
                return;
            }
            closed = true;
            attempt++;
            watcher = current;
            current = null;
        }
        store.forget(this);
        closeQuietly(watcher);
    }

    @Override
    public String toString()
    {
        return "watch on " + prefix;
    }

    /** Starts an attempt from {@link #nextRevision}. */
    void start()
    {
        final int number;
        final long from;
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            number = ++attempt;
            from = nextRevision;
        }
        final WatchOption option = WatchOption.builder().isPrefix(true).withRevision(from).withCreateNotify(true).build();
        final io.etcd.jetcd.Watch.Watcher watcher;
        try
        {
            watcher = store.client().getWatchClient().watch(key, option, new Attempt(number));
        }
        catch (final RuntimeException ex)
        {
            if (!store.isClosed())
            {
                interrupt(number, "cannot start: " + ex.getMessage());
            }
            return;
        }
        final boolean abandoned;
        synchronized (this)
        {
            abandoned = closed || attempt != number;
            if (!abandoned)
            {
                current = watcher;
            }
        }
        if (abandoned)
        {
            closeQuietly(watcher);
        }
    }

    /** Abandons attempt {@code number} (if it is the current one) and schedules the next. */
    private void interrupt(final int number, final String why)
    {
        final io.etcd.jetcd.Watch.Watcher watcher;
        final long delay;
        synchronized (this)
        {
            if (closed || attempt != number)
            {
                return;
            }
            attempt++;
            watcher = current;
            current = null;
            delay = retryMillis;
            retryMillis = Math.min(MAX_RETRY_MILLIS, retryMillis * 2);
            if (!interrupted)
            {
                interrupted = true;
                final long from = nextRevision;
                LOG.warning(() -> store.prefix() + ": " + this + " interrupted (" + why + "); resuming from revision " + from);
            }
        }
        store.later(() -> closeQuietly(watcher), 0);
        store.later(this::start, delay);
    }

    private void onResponse(final int number, final WatchResponse response)
    {
        synchronized (delivery)
        {
            final List<WatchEvent> batch = new ArrayList<>(response.getEvents().size());
            synchronized (this)
            {
                if (closed || attempt != number)
                {
                    return;
                }
                if (response.isCreatedNotify())
                {
                    retryMillis = FIRST_RETRY_MILLIS;
                    if (interrupted)
                    {
                        interrupted = false;
                        final long from = nextRevision;
                        LOG.info(() -> store.prefix() + ": " + this + " resumed from revision " + from);
                    }
                    return;
                }
                final long floor = nextRevision;
                for (final io.etcd.jetcd.watch.WatchEvent event : response.getEvents())
                {
                    final KeyValue kv = event.getKeyValue();
                    final long revision = kv.getModRevision();
                    final WatchEvent.Type type = switch (event.getEventType())
                    {
                        case PUT -> WatchEvent.Type.PUT;
                        case DELETE -> WatchEvent.Type.DELETE;
                        default -> null;
                    };
                    if (revision >= floor && type != null)
                    {
                        nextRevision = Math.max(nextRevision, revision + 1);
                        batch.add(new WatchEvent(type, kv.getKey().toString(StandardCharsets.UTF_8),
                            type == WatchEvent.Type.PUT ? kv.getValue().getBytes() : new byte[0], revision));
                    }
                }
            }
            for (final WatchEvent event : batch)
            {
                if (detached)
                {
                    return;
                }
                try
                {
                    listener.onEvent(event);
                }
                catch (final RuntimeException ex)
                {
                    LOG.warning(() -> store.prefix() + ": the listener of " + this + " failed on " + event + ": " + ex);
                }
            }
        }
    }

    private void onCompacted(final int number, final long compactRevision)
    {
        final io.etcd.jetcd.Watch.Watcher watcher;
        synchronized (this)
        {
            if (closed || attempt != number)
            {
                return;
            }
            closed = true;
            attempt++;
            watcher = current;
            current = null;
            final long from = nextRevision;
            LOG.warning(() -> store.prefix() + ": " + this + " cannot resume from revision " + from
                + ": etcd compacted its history up to " + compactRevision);
        }
        store.forget(this);
        // not from this callback: jetcd holds its watch lock here, and the listener will read and watch again
        // (the close waits for the lock on the background thread; the listener runs on the callback thread)
        store.later(() -> closeQuietly(watcher), 0);
        store.callback(() ->
        {
            synchronized (delivery)
            {
                if (!detached)
                {
                    listener.onCompacted(compactRevision);
                }
            }
        });
    }

    private static void closeQuietly(final io.etcd.jetcd.Watch.Watcher watcher)
    {
        if (watcher != null)
        {
            try
            {
                watcher.close();
            }
            catch (final RuntimeException ex)
            {
                // already closed with its client
            }
        }
    }

    /** jetcd's listener for one attempt. */
    private final class Attempt implements io.etcd.jetcd.Watch.Listener
    {
        private final int number;

        Attempt(final int number)
        {
            this.number = number;
        }

        @Override
        public void onNext(final WatchResponse response)
        {
            onResponse(number, response);
        }

        @Override
        public void onError(final Throwable error)
        {
            if (error instanceof CompactedException compacted)
            {
                onCompacted(number, compacted.getCompactedRevision());
            }
            else if (!store.isClosed())
            {
                interrupt(number, String.valueOf(error.getMessage()).replaceAll("\\s+", " "));
            }
        }

        @Override
        public void onCompleted()
        {
            if (!store.isClosed())
            {
                interrupt(number, "the stream ended");
            }
        }
    }
}
