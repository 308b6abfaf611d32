package io.lanyard.tools;

import io.lanyard.client.ApiClient;
import io.lanyard.client.api.ConnectRequest;
import io.lanyard.client.api.DisconnectRequest;
import io.lanyard.client.api.RunRequest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One client of {@link CrashLoopE2E}: a thread that runs, removes, connects and disconnects its
 * own sandboxes through the API, one request after another, until the daemon stops answering.
 * It knows what the daemon owes it: every acknowledged request is done, and the one the kill cut
 * off may have been done or not — both outcomes are kept until the restarted daemon says which
 * ({@link #settle}). Its names are its own, so no other client changes what it expects.
 */
final class SandboxChurn
{
    /** A sandbox's networks; empty while it does not exist. */
    private static final Set<String> ABSENT = Set.of();

    /** One request: what it is, and the networks of its sandbox before and after it. */
    record Request(String what, String sandbox, Set<String> before, Set<String> after)
    {
        @Override
        public String toString()
        {
            return what + " " + sandbox;
        }
    }

    private final ApiClient api;
    private final List<String> networks;
    private final List<String> sleepCommand;
    /** Sandbox name → its networks, as the acknowledged requests left them. */
    private final Map<String, Set<String>> expected = new TreeMap<>();
    private Thread thread;
    private Random random;
    /** The request on its way to the daemon, or null between two. */
    private volatile Request inFlight;
    /** The request that got no answer because the daemon died, or null. */
    private volatile Request cut;
    /** Set just before the kill: a request that fails before it is a failure of a live daemon. */
    private volatile boolean killing;
    private volatile String failure;
    private int acknowledged;
    private int cutsDone;
    private int cutsUndone;

    /**
     * @param names        the sandboxes this client may make (none may exist yet).
     * @param networks     the networks it runs and connects them on.
     * @param sleepCommand the command a third of its sandboxes run, a marker the test finds their processes by.
     */
    SandboxChurn(final Path socket, final List<String> names, final List<String> networks, final List<String> sleepCommand)
    {
        this.api = new ApiClient(socket, "lanyardd", "application/json", Duration.ofSeconds(60));
        this.networks = List.copyOf(networks);
        this.sleepCommand = List.copyOf(sleepCommand);
        names.forEach(name -> expected.put(name, ABSENT));
    }

    /** Starts sending requests, its choices drawn from {@code seed}. */
    void start(final long seed)
    {
        random = new Random(seed);
        killing = false;
        cut = null;
        thread = new Thread(this::churn, "churn-" + expected.keySet().iterator().next());
        thread.setDaemon(true);
        thread.start();
    }

    /** Whether a request has been sent and not answered; read just before the kill. */
    boolean isMidRequest()
    {
        return inFlight != null;
    }

    /** Says the daemon is about to die: from now on an unanswered request is the kill's doing. */
    void killing()
    {
        killing = true;
    }

    /** Waits until the thread has noticed the daemon is gone. */
    void awaitEnd()
    {
        try
        {
            thread.join(Duration.ofSeconds(90).toMillis());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive())
        {
            failure = "client " + thread.getName() + " still waits for an answer 90 s after the kill (" + inFlight + ")";
        }
    }

    private void churn()
    {
        while (true)
        {
            final Request request = next();
            inFlight = request;
            final ApiClient.Response response;
            try
            {
                response = send(request);
            }
            catch (final ApiClient.DaemonUnreachableException ex)
            {
                if (!killing)
                {
                    failure = request + " got no answer from a live daemon: " + ex.getMessage();
                }
                cut = request;
                inFlight = null;
                return;
            }
            catch (final RuntimeException ex)
            {
                failure = request + " failed in the client: " + ex;
                inFlight = null;
                return;
            }
            inFlight = null;
            if (!response.isSuccess())
            {
                failure = request + " was refused: " + response.status() + " " + response.errorMessage();
                return;
            }
            expected.put(request.sandbox(), request.after());
            acknowledged++;
        }
    }

    /**
     * The next request, drawn from what the sandboxes are: an absent one is run (a third of them
     * with a command), one on a network is connected to the other or removed, one on both is
     * disconnected from either or removed.
     */
    private Request next()
    {
        final List<String> names = new ArrayList<>(expected.keySet());
        final String name = names.get(random.nextInt(names.size()));
        final Set<String> on = expected.get(name);
        final String network = networks.get(random.nextInt(networks.size()));
        if (on.isEmpty())
        {
            return new Request(random.nextInt(3) == 0 ? "run-with-command" : "run", name, on, Set.of(network));
        }
        if (random.nextBoolean())
        {
            return new Request("rm", name, on, ABSENT);
        }
        final Set<String> after = new TreeSet<>(on);
        if (on.size() < networks.size())
        {
            networks.forEach(after::add);
            return new Request("connect", name, on, Set.copyOf(after));
        }
        after.remove(network);
        return new Request("disconnect-" + network, name, on, Set.copyOf(after));
    }

    private ApiClient.Response send(final Request request)
    {
        final String name = request.sandbox();
        switch (request.what())
        {
            case "run":
                return api.post("/sandboxes", RunRequest.detached(name, only(request.after())));
            case "run-with-command":
                return api.post("/sandboxes", new RunRequest(name, only(request.after()), null, List.of(), sleepCommand, true,
                    List.of(), List.of(), List.of()));
            case "rm":
                return api.delete("/sandboxes/" + name + "?force=true");
            case "connect":
                final Set<String> added = new TreeSet<>(request.after());
                added.removeAll(request.before());
                return api.post("/networks/" + only(added) + "/connect", new ConnectRequest(name, null, List.of()));
            default:
                final Set<String> removed = new TreeSet<>(request.before());
                removed.removeAll(request.after());
                return api.post("/networks/" + only(removed) + "/disconnect", new DisconnectRequest(name));
        }
    }

    private static String only(final Set<String> networks)
    {
        return networks.iterator().next();
    }

    /**
     * Holds the restarted daemon to what it owes this client: each sandbox on the networks the
     * acknowledged requests left it on, but the cut request's, which may be either way. Then
     * takes the daemon's word for the cut one.
     *
     * @param listed sandbox name → its networks, as the restarted daemon lists them.
     * @return one line for each broken promise; empty when all were kept.
     */
    List<String> settle(final Map<String, Set<String>> listed)
    {
        final List<String> broken = new ArrayList<>();
        if (failure != null)
        {
            broken.add(failure);
        }
        for (final Map.Entry<String, Set<String>> entry : expected.entrySet())
        {
            final String name = entry.getKey();
            final Set<String> actual = listed.getOrDefault(name, ABSENT);
            if (cut != null && cut.sandbox().equals(name))
            {
                if (actual.equals(cut.after()) && !actual.equals(cut.before()))
                {
                    cutsDone++;
                }
                else if (actual.equals(cut.before()))
                {
                    cutsUndone++;
                }
                else
                {
                    broken.add("the cut " + cut + " left " + describe(actual) + ", neither " + describe(cut.before()) +
                        " (undone) nor " + describe(cut.after()) + " (done)");
                }
            }
            else if (!actual.equals(entry.getValue()))
            {
                broken.add(name + " is " + describe(actual) + ", but the acknowledged requests left it " + describe(entry.getValue()));
            }
            entry.setValue(Set.copyOf(actual));
        }
        failure = null;
        return broken;
    }

    private static String describe(final Set<String> networks)
    {
        return networks.isEmpty() ? "absent" : "on " + new TreeSet<>(networks);
    }

    int acknowledged()
    {
        return acknowledged;
    }

    /** Cut requests the restarted daemon had done (finished, or kept as acknowledged-in-all-but-the-answer). */
    int cutsDone()
    {
        return cutsDone;
    }

    /** Cut requests the restarted daemon had undone, or never got. */
    int cutsUndone()
    {
        return cutsUndone;
    }
}
