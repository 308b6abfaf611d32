package io.lanyard.tools;

import io.lanyard.testkit.Shell;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code dig} run inside a sandbox, read back from its default output: the tests assert on
 * what a real client saw, header and records, and keep the whole text for their messages.
 * {@code dig} asks the server in the {@code /etc/resolv.conf} that {@code ip netns exec} mounts
 * for the sandbox, unless the arguments name one.
 *
 * @param status  the answer's RCODE ({@code NOERROR}, {@code NXDOMAIN}...), or null when none came.
 * @param flags   the header flags ({@code qr}, {@code aa}, {@code tc}...).
 * @param answers the answer section.
 * @param size    the size of the message received, or -1.
 * @param server  the {@code SERVER:} line, e.g. {@code 127.0.0.11#53(127.0.0.11) (TCP)}, or "".
 * @param output  everything dig printed.
 */
record Dig(String status, Set<String> flags, List<Answer> answers, int size, String server, String output)
{
    private static final Pattern STATUS = Pattern.compile("status: (\\w+)");
    private static final Pattern FLAGS = Pattern.compile(";; flags:([a-z ]*);");
    private static final Pattern SIZE = Pattern.compile(";; MSG SIZE {2}rcvd: (\\d+)");
    private static final Pattern SERVER = Pattern.compile(";; SERVER: (.*)");

    /** One record of the answer section. */
    record Answer(String name, long ttl, String type, String data)
    {
    }

    /** {@code dig +tries=1 +time=5 ARGS} in the sandbox: one try, so a failure shows as one. */
    static Dig in(final LanyardHost host, final String sandbox, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of("dig", "+tries=1", "+time=5"));
        command.addAll(List.of(args));
        return parse(host.inSandbox(sandbox, command.toArray(String[]::new)));
    }

    static Dig parse(final Shell.Result result)
    {
        final String output = result.output();
        final Matcher status = STATUS.matcher(output);
        final Matcher flags = FLAGS.matcher(output);
        final Matcher size = SIZE.matcher(output);
        final Matcher server = SERVER.matcher(output);
        final List<Answer> answers = new ArrayList<>();
        boolean inAnswers = false;
        for (final String line : output.split("\n"))
        {
            if (line.startsWith(";; ANSWER SECTION:"))
            {
                inAnswers = true;
            }
            else if (line.isBlank() || line.startsWith(";"))
            {
                inAnswers = false;
            }
            else if (inAnswers)
            {
                final String[] words = line.trim().split("\\s+", 5);
                answers.add(new Answer(words[0], Long.parseLong(words[1]), words[3], words.length > 4 ? words[4] : ""));
            }
        }
        // a retry over TCP prints a second header: the last one is the answer the client kept
        String lastStatus = null;
        while (status.find())
        {
            lastStatus = status.group(1);
        }
        String lastFlags = "";
        while (flags.find())
        {
            lastFlags = flags.group(1);
        }
        return new Dig(lastStatus, Set.of(lastFlags.trim().split("\\s+")), List.copyOf(answers),
            size.find() ? Integer.parseInt(size.group(1)) : -1, server.find() ? server.group(1) : "", output);
    }

    /** The data of the A records, in the order received. */
    List<String> addresses()
    {
        return answers.stream().filter(a -> "A".equals(a.type())).map(Answer::data).toList();
    }

    /** True for an answer with records: what a name that must not resolve never gets. */
    boolean resolved()
    {
        return "NOERROR".equals(status) && !answers.isEmpty();
    }
}
