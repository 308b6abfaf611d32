package io.lanyard.control.ports;

/**
 * A published port could not be bound because another socket has it. Unchecked, unlike the other
 * bind failures {@link UserlandProxy#start} reports as {@link java.io.IOException}, because callers
 * treat it differently: a port chosen by the daemon moves on to the next candidate, a port the user
 * asked for becomes a conflict. The message is the one line a user sees, in Docker's words:
 * {@code Bind for 0.0.0.0:8080 failed: address already in use}.
 */
public final class PortInUseException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param where the address as given, a colon and the port, with {@code /udp} appended for UDP.
     * @param cause what the socket layer reported.
     */
    public PortInUseException(final String where, final Throwable cause)
    {
        super("Bind for " + where + " failed: address already in use", cause);
    }
}
