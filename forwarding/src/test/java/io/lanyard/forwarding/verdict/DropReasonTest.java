package io.lanyard.forwarding.verdict;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DropReasonTest
{
    @Test
    void shouldLabelEveryDropReasonUniquely()
    {
        assertEquals(DropReason.values().length, DropReason.count());
        final Set<String> labels = new HashSet<>();
        for (final DropReason reason : DropReason.values())
        {
            assertSame(reason, DropReason.of(reason.ordinal()));
            assertTrue(labels.add(reason.label()), reason.label());
            assertTrue(reason.label().matches("[a-z_]+"), reason.label());
        }
        assertEquals("same_port", DropReason.SAME_PORT.label());
    }
}
