package io.lanyard.forwarding.testkit;

import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * The driver of a fuzz test: {@link #forAll} checks a property of the code under test on input
 * after input, each drawn from its own {@link SplittableRandom}, the {@link SplittableRandom#split}
 * of the run's generator for that try, so a seed gives the same inputs in the same order. In the
 * unit suite a test runs the few tries it asks for (seconds); run by hand with
 * {@code -Dlanyard.fuzz.tries=N} every fuzz test runs N tries instead, and
 * {@code -Dlanyard.fuzz.seed=S} replays the seed a run printed (a fresh one otherwise). A failure
 * is an {@link AssertionError} that names the seed, the try and its input, as drawn: there is no
 * shrinking to a smaller one. Either way each test ends with one line: its tries, the inputs
 * (frames, datagrams, messages, requests) they fed in, the seed and the time, so a long run says
 * what it covered and how to repeat it.
 */
public final class FuzzRun
{
    public static final String TRIES_PROPERTY = "lanyard.fuzz.tries";
    public static final String SEED_PROPERTY = "lanyard.fuzz.seed";

    /** What a fuzz test checks of one input. */
    @FunctionalInterface
    public interface Property<T>
    {
        /** Checks the code under test on {@code input}; returns how many inputs it fed to it (none when it held this one back). */
        int check(T input) throws Exception;
    }

    private FuzzRun()
    {
    }

    /**
     * Checks {@code property} on {@code tries} inputs made by {@code inputs} (or on as many as
     * {@code -Dlanyard.fuzz.tries} says), then prints the summary line.
     *
     * @throws AssertionError naming the seed, the try and its input, at the first that fails or throws.
     */
    public static <T> void forAll(final int tries, final Function<SplittableRandom, T> inputs, final Property<T> property)
    {
        final String test = callingTest();
        final String triesSet = System.getProperty(TRIES_PROPERTY);
        final int count = triesSet == null ? tries : Integer.parseInt(triesSet);
        final String seedSet = System.getProperty(SEED_PROPERTY);
        final long seed = seedSet == null ? ThreadLocalRandom.current().nextLong() : Long.parseLong(seedSet);
        final SplittableRandom run = new SplittableRandom(seed);
        final long start = System.nanoTime();
        long fed = 0;
        for (int i = 1; i <= count; i++)
        {
            final SplittableRandom random = run.split();
            T input = null;
            try
            {
                input = inputs.apply(random);
                fed += property.check(input);
            }
            catch (final Throwable failure)
            {
                summary(test, "FAILED", i, fed, seed, start);
                throw new AssertionError("fuzz " + test + " failed at try " + i + " of " + count + ", seed " + seed + " (replay: -D" +
                    SEED_PROPERTY + "=" + seed + "), " + (input == null ? "while drawing its input" : "on " + input), failure);
            }
        }
        summary(test, "SUCCESSFUL", count, fed, seed, start);
    }

    private static void summary(final String test, final String status, final int tries, final long fed, final long seed, final long start)
    {
        final long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("fuzz %s: %s after %d tries, %d inputs, seed %d, %d ms (replay: -D%s=%d)%n", test, status, tries, fed, seed,
            millis, SEED_PROPERTY, seed);
    }

    /** {@code Class:method} of the test that called {@link #forAll}. */
    private static String callingTest()
    {
        final StackWalker.StackFrame frame = StackWalker.getInstance().walk(frames ->
            frames.filter(caller -> !caller.getClassName().equals(FuzzRun.class.getName())).findFirst()).orElseThrow();
        final String className = frame.getClassName();
        return className.substring(className.lastIndexOf('.') + 1) + ":" + frame.getMethodName();
    }
}
