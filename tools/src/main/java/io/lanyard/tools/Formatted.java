package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code --format} does, as Docker's CLI does it. For a listing ({@code ps},
 * {@code network ls}), whose rows are objects with Docker's field names: {@code table} (or no
 * format) the command's columns; {@code json} one JSON object per line; {@code table TEMPLATE}
 * a header of the fields' names and a row per object, aligned; any other {@link GoTemplate} a
 * line per object. For {@code inspect}: the JSON array, pretty (no format) or on one line
 * ({@code json}), or a line per object from a template.
 */
final class Formatted
{
    private Formatted()
    {
    }

    /**
     * @param columns the fields {@code table} shows, in order
     * @param headers each field's column header; a field not named here is headed by its name in capitals
     */
    static void list(final String format, final List<? extends JsonNode> rows, final List<String> columns,
        final Map<String, String> headers, final PrintStream out)
    {
        if (format == null || format.isBlank() || "table".equals(format.trim()))
        {
            table(rows, columns, headers, out);
            return;
        }
        if ("json".equals(format.trim()))
        {
            rows.forEach(row -> out.println(DaemonConnection.json(row)));
            return;
        }
        if (format.startsWith("table ") || format.startsWith("table\t"))
        {
            final GoTemplate template = GoTemplate.parse(format.substring("table".length()).strip());
            final List<String> names = new ArrayList<>();
            template.fields().forEach(field -> names.add(headers.getOrDefault(field, field.toUpperCase(java.util.Locale.ROOT))));
            final Table table = new Table(names.toArray(String[]::new));
            rows.forEach(row -> table.row(template.cells(row).toArray()));
            table.print(out);
            return;
        }
        final GoTemplate template = GoTemplate.parse(format);
        rows.forEach(row -> out.println(template.apply(row)));
    }

    static void inspect(final String format, final List<JsonNode> objects, final PrintStream out)
    {
        if (format == null || format.isBlank())
        {
            out.println(DaemonConnection.pretty(objects));
            return;
        }
        if ("json".equals(format.trim()))
        {
            out.println(DaemonConnection.json(objects));
            return;
        }
        final GoTemplate template = GoTemplate.parse(format);
        objects.forEach(object -> out.println(template.apply(object)));
    }

    private static void table(final List<? extends JsonNode> rows, final List<String> columns, final Map<String, String> headers,
        final PrintStream out)
    {
        final Table table = new Table(columns.stream().map(c -> headers.getOrDefault(c, c.toUpperCase(java.util.Locale.ROOT)))
            .toArray(String[]::new));
        for (final JsonNode row : rows)
        {
            final Object[] cells = new Object[columns.size()];
            for (int i = 0; i < cells.length; i++)
            {
                cells[i] = row.path(columns.get(i)).asText();
            }
            table.row(cells);
        }
        table.print(out);
    }
}
