package io.lanyard.tools;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Columns aligned the way {@code docker ... ls} aligns them: padded to the widest cell, three spaces apart. */
final class Table
{
    private final List<String[]> rows = new ArrayList<>();

    Table(final String... headers)
    {
        rows.add(headers);
    }

    Table row(final Object... cells)
    {
        final String[] row = new String[cells.length];
        for (int i = 0; i < cells.length; i++)
        {
            row[i] = cells[i] == null ? "" : cells[i].toString();
        }
        rows.add(row);
        return this;
    }

    void print(final PrintStream out)
    {
        final int columns = rows.get(0).length;
        final int[] widths = new int[columns];
        for (final String[] row : rows)
        {
            for (int i = 0; i < columns; i++)
            {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (final String[] row : rows)
        {
            final StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++)
            {
                line.append(row[i]);
                if (i < columns - 1)
                {
                    line.append(" ".repeat(widths[i] - row[i].length() + 3));
                }
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
