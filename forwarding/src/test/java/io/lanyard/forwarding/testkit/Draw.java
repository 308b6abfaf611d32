package io.lanyard.forwarding.testkit;

import java.util.List;
import java.util.SplittableRandom;

/**
 * What the fuzz tests' generators draw from a try's {@link SplittableRandom} (see {@link FuzzRun}):
 * a weighted choice, one of a few values, random bytes and text. Lengths are drawn by
 * {@link #size}, which favours the short and the bounds, where parsers tend to go wrong.
 */
public final class Draw
{
    /** Characters no UTF-8 encoder takes alone. */
    private static final int SURROGATES = Character.MAX_SURROGATE - Character.MIN_SURROGATE + 1;

    private Draw()
    {
    }

    /** The index of a choice, each as likely as its weight: {@code weighted(random, 9, 1)} is 0 nine times in ten. */
    public static int weighted(final SplittableRandom random, final int... weights)
    {
        int total = 0;
        for (final int weight : weights)
        {
            total += weight;
        }
        int roll = random.nextInt(total);
        for (int i = 0; i < weights.length; i++)
        {
            roll -= weights[i];
            if (roll < 0)
            {
                return i;
            }
        }
        throw new IllegalStateException("weights " + total);
    }

    /** One of {@code values}, all alike. */
    @SafeVarargs
    public static <T> T one(final SplittableRandom random, final T... values)
    {
        return values[random.nextInt(values.length)];
    }

    /** One of {@code values}, all alike. */
    public static <T> T one(final SplittableRandom random, final List<T> values)
    {
        return values.get(random.nextInt(values.size()));
    }

    /** One of {@code values}, all alike. */
    public static int one(final SplittableRandom random, final int[] values)
    {
        return values[random.nextInt(values.length)];
    }

    /**
     * A length from {@code least} to {@code most}: one time in eight each bound, one in four a
     * short one (up to 16 past {@code least}), else any.
     */
    public static int size(final SplittableRandom random, final int least, final int most)
    {
        return switch (weighted(random, 1, 1, 2, 4))
        {
            case 0 -> least;
            case 1 -> most;
            case 2 -> random.nextInt(least, Math.min(most, least + 16) + 1);
            default -> random.nextInt(least, most + 1);
        };
    }

    /** Random bytes, up to {@code most} of them. */
    public static byte[] bytes(final SplittableRandom random, final int most)
    {
        final byte[] bytes = new byte[size(random, 0, most)];
        random.nextBytes(bytes);
        return bytes;
    }

    /** Text of {@code least} to {@code most} characters of {@code alphabet}. */
    public static String text(final SplittableRandom random, final int least, final int most, final String alphabet)
    {
        final StringBuilder text = new StringBuilder();
        for (int i = size(random, least, most); i > 0; i--)
        {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }

    /** Any text up to {@code most} characters: printable ASCII mostly, control characters, and any other but a lone surrogate. */
    public static String text(final SplittableRandom random, final int most)
    {
        final StringBuilder text = new StringBuilder();
        for (int i = size(random, 0, most); i > 0; i--)
        {
            text.append((char)switch (weighted(random, 2, 1, 1))
            {
                case 0 -> random.nextInt(' ', '~' + 1);
                case 1 -> random.nextInt(0, ' ');
                default ->
                {
                    final int other = random.nextInt(0x10000 - SURROGATES);
                    yield other < Character.MIN_SURROGATE ? other : other + SURROGATES;
                }
            });
        }
        return text.toString();
    }
}
