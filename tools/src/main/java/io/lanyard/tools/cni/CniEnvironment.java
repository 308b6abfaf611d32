package io.lanyard.tools.cni;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code CNI_*} variables a runtime sets for one call, checked for the command they are for.
 *
 * @param command     ADD, DEL, CHECK, VERSION, STATUS or GC.
 * @param containerId the runtime's ID for the container (ADD, DEL, CHECK).
 * @param netns       the container's namespace path (ADD, CHECK; DEL may lack it once it is gone).
 * @param ifname      the interface to make in it (ADD, DEL, CHECK).
 * @param args        {@code CNI_ARGS} as {@code KEY=VALUE} pairs, e.g. podman's {@code K8S_POD_NAME}.
 */
record CniEnvironment(String command, String containerId, String netns, String ifname, Map<String, String> args)
{
    static final String ADD = "ADD";
    static final String DEL = "DEL";
    static final String CHECK = "CHECK";
    static final String VERSION = "VERSION";
    static final String STATUS = "STATUS";
    static final String GC = "GC";

    /** @throws CniError with code 4 when a variable the command needs is missing or malformed. */
    static CniEnvironment from(final Map<String, String> env)
    {
        final String command = env.get("CNI_COMMAND");
        if (command == null || command.isEmpty())
        {
            throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_COMMAND is not set");
        }
        switch (command)
        {
            case ADD, CHECK ->
            {
                return new CniEnvironment(command, require(env, "CNI_CONTAINERID"), require(env, "CNI_NETNS"),
                    require(env, "CNI_IFNAME"), args(env.get("CNI_ARGS")));
            }
            case DEL ->
            {
                final String netns = env.get("CNI_NETNS");
                return new CniEnvironment(command, require(env, "CNI_CONTAINERID"), netns == null || netns.isEmpty() ? null : netns,
                    require(env, "CNI_IFNAME"), args(env.get("CNI_ARGS")));
            }
            case VERSION, STATUS, GC ->
            {
                return new CniEnvironment(command, null, null, null, Map.of());
            }
            default -> throw new CniError(CniError.INVALID_ENVIRONMENT, "unknown CNI_COMMAND " + command +
                ": ADD, DEL, CHECK, VERSION, STATUS and GC are known");
        }
    }

    /** The container's name as the runtime passes it ({@code K8S_POD_NAME}, which podman sets), or null. */
    String podName()
    {
        final String podName = args.get("K8S_POD_NAME");
        return podName == null || podName.isEmpty() ? null : podName;
    }

    private static String require(final Map<String, String> env, final String name)
    {
        final String value = env.get(name);
        if (value == null || value.isEmpty())
        {
            throw new CniError(CniError.INVALID_ENVIRONMENT, name + " is not set");
        }
        return value;
    }

    private static Map<String, String> args(final String text)
    {
        final Map<String, String> args = new LinkedHashMap<>();
        if (text == null || text.isEmpty())
        {
            return args;
        }
        for (final String pair : text.split(";"))
        {
            final int equals = pair.indexOf('=');
            if (equals <= 0)
            {
                throw new CniError(CniError.INVALID_ENVIRONMENT, "invalid CNI_ARGS \"" + text + "\": expected KEY=VALUE pairs separated by ;");
            }
            args.put(pair.substring(0, equals), pair.substring(equals + 1));
        }
        return args;
    }
}
