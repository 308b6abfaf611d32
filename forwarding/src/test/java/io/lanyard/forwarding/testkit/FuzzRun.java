package io.lanyard.forwarding.testkit;

import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The two modes of a fuzz property ({@code @AddLifecycleHook(FuzzRun.class)} on its class).
 * In the unit suite a property runs the few tries its {@code @Property} asks for. Run by hand
 * with {@code -Dlanyard.fuzz.tries=N} every fuzz property runs N tries instead, and
 * {@code -Dlanyard.fuzz.seed=S} replays the seed a run printed. Either way each property ends
 * with one line: its tries, the inputs (frames, datagrams, messages, requests) they fed in
 * ({@link #fed}), the seed and the time, so a long run says what it covered and how to repeat it.
 */
public final class FuzzRun implements AroundPropertyHook
{
    public static final String TRIES_PROPERTY = "lanyard.fuzz.tries";
    public static final String SEED_PROPERTY = "lanyard.fuzz.seed";

    private static final AtomicLong FED = new AtomicLong();

    /** Counts {@code inputs} fed to the code under test by the current try. */
    public static void fed(final int inputs)
    {
        FED.addAndGet(inputs);
    }

    /** Added to a class, it runs around each of the class's properties. */
    @Override
    public PropagationMode propagateTo()
    {
        return PropagationMode.ALL_DESCENDANTS;
    }

    @Override
    public PropertyExecutionResult aroundProperty(final PropertyLifecycleContext context, final PropertyExecutor property)
    {
        final Integer tries = Integer.getInteger(TRIES_PROPERTY);
        if (tries != null)
        {
            context.attributes().setTries(tries);
        }
        final String seed = System.getProperty(SEED_PROPERTY);
        if (seed != null)
        {
            context.attributes().setSeed(seed);
        }
        FED.set(0);
        final long start = System.nanoTime();
        final PropertyExecutionResult result = property.execute();
        final long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("fuzz %s: %s after %d tries, %d inputs, seed %s, %d ms (replay: -D%s=%s)%n", context.extendedLabel(),
            result.status(), result.countTries(), FED.get(), result.seed().orElse("?"), millis, SEED_PROPERTY, result.seed().orElse("?"));
        return result;
    }
}
