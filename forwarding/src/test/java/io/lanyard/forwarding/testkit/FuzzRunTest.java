package io.lanyard.forwarding.testkit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FuzzRunTest
{
    private static final long SEED = 42;

    private String seedSet;
    private String triesSet;

    @BeforeEach
    void runWithAFixedSeedAndTheTestsOwnTries()
    {
        seedSet = System.getProperty(FuzzRun.SEED_PROPERTY);
        triesSet = System.getProperty(FuzzRun.TRIES_PROPERTY);
        System.setProperty(FuzzRun.SEED_PROPERTY, Long.toString(SEED));
        System.clearProperty(FuzzRun.TRIES_PROPERTY);
    }

    @AfterEach
    void restoreTheProperties()
    {
        restore(FuzzRun.SEED_PROPERTY, seedSet);
        restore(FuzzRun.TRIES_PROPERTY, triesSet);
    }

    @Test
    void shouldDrawTheSameInputsFromTheSameSeed()
    {
        final List<Long> first = new ArrayList<>();
        final List<Long> second = new ArrayList<>();
        FuzzRun.forAll(20, random -> random.nextLong(), input -> recorded(first, input));
        FuzzRun.forAll(20, random -> random.nextLong(), input -> recorded(second, input));

        assertEquals(20, first.size());
        assertEquals(first, second);
    }

    @Test
    void shouldNameTheSeedTheTryAndTheInputOfAFailure()
    {
        final List<Integer> tried = new ArrayList<>();
        AssertionError failure = null;
        try
        {
            // called from the test itself, not from a lambda, so that the summary line names it
            FuzzRun.forAll(1000, random -> random.nextInt(10), input ->
            {
                assertTrue(input != 0, "not 0");
                return recorded(tried, input);
            });
        }
        catch (final AssertionError expected)
        {
            failure = expected;
        }

        assertNotNull(failure, "a 0 in 1000 tries");
        final String replay = "-D" + FuzzRun.SEED_PROPERTY + "=" + SEED;
        assertTrue(failure.getMessage().contains("at try " + (tried.size() + 1) + " of 1000, seed " + SEED + " (replay: " + replay + "), on 0"),
            failure.getMessage());
        assertEquals("not 0 ==> expected: <true> but was: <false>", failure.getCause().getMessage());
    }

    @Test
    void shouldRunAsManyTriesAsTheRunAsksFor()
    {
        System.setProperty(FuzzRun.TRIES_PROPERTY, "7");
        final List<Integer> tried = new ArrayList<>();

        FuzzRun.forAll(1000, random -> random.nextInt(), input -> recorded(tried, input));

        assertEquals(7, tried.size());
    }

    private static <T> int recorded(final List<T> inputs, final T input)
    {
        inputs.add(input);
        return 1;
    }

    private static void restore(final String property, final String value)
    {
        if (value == null)
        {
            System.clearProperty(property);
        }
        else
        {
            System.setProperty(property, value);
        }
    }
}
