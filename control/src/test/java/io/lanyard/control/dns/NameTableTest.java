package io.lanyard.control.dns;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NameTableTest
{
    private static final int C1 = 0xAC12_0002;
    private static final int C2 = 0xAC12_0003;
    private static final int C3 = 0x0A00_0002;

    private final NameTable table = new NameTable();
    private final SplittableRandom random = new SplittableRandom(42);

    @Test
    void shouldResolveNamesAliasesShortIdsAndNameDotNetworkOnTheirNetworkOnly()
    {
        table.add("n1", "isolated_nw", "e1", C1, List.of("container2", "web", "0f9e55983132"));
        table.add("n2", "other", "e3", C3, List.of("container3"));

        for (final String name : List.of("container2", "CONTAINER2.", "web", "0f9e55983132", "container2.isolated_nw", "web.isolated_nw"))
        {
            assertEquals(List.of(C1), table.resolve(List.of("n1"), name, random), name);
            assertTrue(table.isKnown(List.of("n1"), name), name);
        }
        assertEquals(List.of(), table.resolve(List.of("n2"), "container2", random), "not on a network the asker shares");
        assertFalse(table.isKnown(List.of("n2"), "container2"));
        assertEquals(List.of(C3), table.resolve(List.of("n1", "n2"), "container3", random));
        assertEquals(List.of(), table.resolve(List.of("n1"), "container2.other", random), "NAME.NETWORK names its own network");
    }

    @Test
    void shouldReturnEveryHolderOfAnAliasInChangingOrders()
    {
        table.add("n1", "net", "e1", C1, List.of("a", "db"));
        table.add("n1", "net", "e2", C2, List.of("b", "db"));
        final Set<List<Integer>> orders = new HashSet<>();
        for (int i = 0; i < 50; i++)
        {
            final List<Integer> answer = table.resolve(List.of("n1"), "db", random);
            assertEquals(Set.of(C1, C2), Set.copyOf(answer));
            assertEquals(2, answer.size());
            orders.add(answer);
        }
        assertEquals(2, orders.size(), "round-robin: both orders come up");
    }

    @Test
    void shouldForgetAnEndpointAtOnceAndKeepTheOthers()
    {
        table.add("n1", "net", "e1", C1, List.of("a", "db"));
        table.add("n1", "net", "e2", C2, List.of("b", "db"));
        table.remove("n1", "e1");
        assertEquals(List.of(), table.resolve(List.of("n1"), "a", random));
        assertEquals(List.of(C2), table.resolve(List.of("n1"), "db", random));
        assertEquals(Optional.empty(), table.reverse(List.of("n1"), C1));

        table.add("n1", "net", "e2", C2, List.of("renamed"));
        assertEquals(List.of(), table.resolve(List.of("n1"), "b", random), "adding an endpoint again replaces its names");
        assertEquals(List.of(C2), table.resolve(List.of("n1"), "renamed", random));

        table.removeNetwork("n1");
        assertFalse(table.isKnown(List.of("n1"), "renamed"));
    }

    @Test
    void shouldAnswerPtrWithNameDotNetworkSpelledAsGiven()
    {
        table.add("n1", "Isolated_NW", "e1", C1, List.of("Container2", "web"));
        assertEquals(Optional.of("Container2.Isolated_NW"), table.reverse(List.of("n1"), C1));
        assertEquals(List.of(C1), table.resolve(List.of("n1"), "container2.isolated_nw", random), "while names match in any case");
        assertEquals(Optional.empty(), table.reverse(List.of("n2"), C1));
        assertEquals(Optional.empty(), table.reverse(List.of("n1"), C2));
    }

    @Test
    void shouldRefuseAnEndpointWithoutAName()
    {
        assertThrows(IllegalArgumentException.class, () -> table.add("n1", "net", "e1", C1, List.of()));
    }

    @Test
    void shouldReplaceAnEndpointsNamesWithoutTouchingTheOnesItKeeps()
    {
        table.add("n1", "net", "e1", C1, List.of("a", "db"));
        table.add("n1", "net", "e2", C2, List.of("b", "db"));

        table.add("n1", "net", "e1", C1, List.of("a", "cache"));

        assertEquals(List.of(C1), table.resolve(List.of("n1"), "a", random));
        assertEquals(List.of(C1), table.resolve(List.of("n1"), "cache", random));
        assertEquals(List.of(C2), table.resolve(List.of("n1"), "db", random), "e1 left db, e2 still holds it");
        assertEquals(Optional.of("a.net"), table.reverse(List.of("n1"), C1));
    }

    @Test
    void shouldKeepExactlyTheBindingsAReplacementNames()
    {
        table.add("n1", "net", "e1", C1, List.of("a"));
        table.add("n1", "net", "e2", C2, List.of("b"));
        table.add("n2", "other", "e3", C3, List.of("c"));

        table.replaceAll(List.of(new NameTable.Binding("n1", "net", "e2", C2, List.of("b", "bee")),
            new NameTable.Binding("n2", "other", "e4", C1, List.of("d"))));

        assertFalse(table.isKnown(List.of("n1"), "a"));
        assertEquals(Optional.empty(), table.reverse(List.of("n1"), C1));
        assertEquals(List.of(C2), table.resolve(List.of("n1"), "bee", random));
        assertFalse(table.isKnown(List.of("n2"), "c"));
        assertEquals(List.of(C1), table.resolve(List.of("n2"), "d.other", random));
        assertEquals(Optional.of("d.other"), table.reverse(List.of("n2"), C1));
    }
}
