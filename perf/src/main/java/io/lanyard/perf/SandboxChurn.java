package io.lanyard.perf;

import io.lanyard.client.ApiClient;
import io.lanyard.client.api.ConnectRequest;
import io.lanyard.client.api.DisconnectRequest;
import io.lanyard.client.api.RunRequest;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The soak's churn of sandboxes, through the API as {@code lanyard run -d}, {@code network
 * connect}, {@code network disconnect} and {@code rm -f} would: each cycle creates a sandbox
 * ({@code k1}, {@code k2}, ...) on the soak's network and connects it to a second network; once
 * more than {@code population} are there, the oldest is disconnected from the second network
 * and removed. So a handful live at any time while thousands come and go over an hour, each
 * through the whole of the daemon's script (namespace, TAP, port, MAC pin, DNS names, ICC).
 * A call that fails is counted and logged, and the cycle goes on; what is left at the end is
 * removed.
 */
final class SandboxChurn implements Runnable
{
    private final ApiClient api;
    private final String network;
    private final String otherNetwork;
    private final int population;
    private final long pauseMillis;
    private final SoakDeadline deadline;
    private final SoakFailures errors;
    private final ArrayDeque<String> alive = new ArrayDeque<>();
    private final AtomicLong cycles = new AtomicLong();
    private final AtomicLong calls = new AtomicLong();
    private int serial;

    /**
     * @param api          a client with a timeout, so a stuck daemon cannot hang the churn.
     * @param population   how many churned sandboxes live at once, at most one more during a cycle.
     * @param pauseMillis  the pause after each cycle.
     */
    SandboxChurn(final ApiClient api, final String network, final String otherNetwork, final int population, final long pauseMillis,
        final SoakDeadline deadline, final SoakLog log)
    {
        this.api = api;
        this.network = network;
        this.otherNetwork = otherNetwork;
        this.population = population;
        this.pauseMillis = pauseMillis;
        this.deadline = deadline;
        this.errors = new SoakFailures("churn", deadline, log);
    }

    @Override
    public void run()
    {
        while (!deadline.passed())
        {
            final String name = "k" + (++serial);
            if (call("create " + name + " on " + network, () -> api.post("/sandboxes", RunRequest.detached(name, network))))
            {
                alive.addLast(name);
                call("connect " + name + " to " + otherNetwork,
                    () -> api.post("/networks/" + otherNetwork + "/connect", new ConnectRequest(name, null, List.of())));
            }
            while (alive.size() > population && !deadline.passed())
            {
                retire(alive.removeFirst());
            }
            cycles.incrementAndGet();
            deadline.pause(pauseMillis);
        }
        while (!alive.isEmpty() && !deadline.interrupted())
        {
            retire(alive.removeFirst());
        }
    }

    private void retire(final String name)
    {
        call("disconnect " + name + " from " + otherNetwork,
            () -> api.post("/networks/" + otherNetwork + "/disconnect", new DisconnectRequest(name)));
        call("remove " + name, () -> api.delete("/sandboxes/" + name + "?force=1"));
    }

    /** One API call; false, counted and logged, if it failed (unless the run was interrupted). */
    private boolean call(final String what, final Supplier<ApiClient.Response> request)
    {
        calls.incrementAndGet();
        String failure;
        try
        {
            final ApiClient.Response response = request.get();
            if (response.isSuccess())
            {
                return true;
            }
            failure = response.status() + " " + response.errorMessage();
        }
        catch (final RuntimeException ex)
        {
            failure = ex.getMessage();
        }
        errors.add(1, what + ": " + failure);
        return false;
    }

    /** Cycles done. */
    long cycles()
    {
        return cycles.get();
    }

    /** API calls made. */
    long calls()
    {
        return calls.get();
    }

    /** API calls that failed. */
    long errors()
    {
        return errors.count();
    }
}
