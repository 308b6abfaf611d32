package io.lanyard.tools;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The part of Go's {@code text/template} that Docker's {@code --format} is used with, over JSON:
 * text with actions {@code {{.Field}}}, {@code {{.A.B}}}, {@code {{.}}}, {@code {{json .X}}} and
 * {@code {{join .List ", "}}}; {@code \t} and {@code \n} written in the format become a tab and a
 * newline, as Docker's CLI makes them. A field that is not there prints Go's {@code <no value>};
 * any other action is refused when the format is parsed, in one line.
 */
final class GoTemplate
{
    private final List<Part> parts;

    private GoTemplate(final List<Part> parts)
    {
        this.parts = parts;
    }

    /** @throws CliException naming what it cannot take. */
    static GoTemplate parse(final String format)
    {
        final String text = format.replace("\\t", "\t").replace("\\n", "\n");
        final List<Part> parts = new ArrayList<>();
        int at = 0;
        while (at < text.length())
        {
            final int open = text.indexOf("{{", at);
            if (open < 0)
            {
                parts.add(new Part(text.substring(at), null, null, null));
                break;
            }
            if (open > at)
            {
                parts.add(new Part(text.substring(at, open), null, null, null));
            }
            final int close = text.indexOf("}}", open + 2);
            if (close < 0)
            {
                throw new CliException("lanyard: template parsing error: unclosed action in " + format);
            }
            parts.add(action(text.substring(open + 2, close).trim(), format));
            at = close + 2;
        }
        return new GoTemplate(parts);
    }

    /** The fields the actions name, in order ({@code .ID} gives {@code ID}; {@code .} gives {@code .}). */
    List<String> fields()
    {
        final List<String> fields = new ArrayList<>();
        for (final Part part : parts)
        {
            if (part.path != null)
            {
                fields.add(part.path.length == 0 ? "." : String.join(".", part.path));
            }
        }
        return fields;
    }

    /** The text with every action filled in from {@code value}. */
    String apply(final JsonNode value)
    {
        final StringBuilder out = new StringBuilder();
        for (final Part part : parts)
        {
            out.append(part.path == null ? part.text : part.render(value));
        }
        return out.toString();
    }

    /** Each action's value on its own, for table cells. */
    List<String> cells(final JsonNode value)
    {
        final List<String> cells = new ArrayList<>();
        for (final Part part : parts)
        {
            if (part.path != null)
            {
                cells.add(part.render(value));
            }
        }
        return cells;
    }

    private static Part action(final String action, final String format)
    {
        final String[] words = action.split("\\s+", 2);
        if (words[0].startsWith("."))
        {
            return new Part(null, path(words[0], format), "", null);
        }
        if ("json".equals(words[0]) && words.length == 2 && words[1].startsWith("."))
        {
            return new Part(null, path(words[1], format), "json", null);
        }
        if ("join".equals(words[0]) && words.length == 2)
        {
            final String[] arguments = words[1].split("\\s+", 2);
            if (arguments.length == 2 && arguments[0].startsWith(".") && arguments[1].length() >= 2 && arguments[1].startsWith("\"") &&
                arguments[1].endsWith("\""))
            {
                return new Part(null, path(arguments[0], format), "join",
                    arguments[1].substring(1, arguments[1].length() - 1).replace("\\t", "\t").replace("\\n", "\n"));
            }
        }
        throw new CliException("lanyard: template parsing error: unsupported action {{" + action + "}} (fields such as {{.Name}}, " +
            "{{json .}} and {{join .List \", \"}} are understood) in " + format);
    }

    private static String[] path(final String dotted, final String format)
    {
        if (".".equals(dotted))
        {
            return new String[0];
        }
        final String[] names = dotted.substring(1).split("\\.", -1);
        for (final String name : names)
        {
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*"))
            {
                throw new CliException("lanyard: template parsing error: bad field " + dotted + " in " + format);
            }
        }
        return names;
    }

    private record Part(String text, String[] path, String function, String separator)
    {
        String render(final JsonNode root)
        {
            JsonNode value = root;
            for (final String name : path)
            {
                value = value == null || !value.isObject() ? null : value.get(name);
            }
            if ("json".equals(function))
            {
                return value == null ? "null" : DaemonConnection.json(value);
            }
            if (value == null || value.isMissingNode())
            {
                return "<no value>";
            }
            if ("join".equals(function))
            {
                final List<String> items = new ArrayList<>();
                value.forEach(item -> items.add(plain(item)));
                return String.join(separator, items);
            }
            return plain(value);
        }

        /** A value as Go prints it: text as is, lists as [a b], maps as map[k:v] in key order. */
        private static String plain(final JsonNode value)
        {
            if (value.isNull())
            {
                return "<nil>";
            }
            if (value.isValueNode())
            {
                return value.asText();
            }
            if (value.isArray())
            {
                final List<String> items = new ArrayList<>();
                value.forEach(item -> items.add(plain(item)));
                return "[" + String.join(" ", items) + "]";
            }
            final Map<String, String> sorted = new TreeMap<>();
            final Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
            while (fields.hasNext())
            {
                final Map.Entry<String, JsonNode> field = fields.next();
                sorted.put(field.getKey(), plain(field.getValue()));
            }
            final List<String> items = new ArrayList<>();
            sorted.forEach((k, v) -> items.add(k + ":" + v));
            return "map[" + String.join(" ", items) + "]";
        }
    }
}
