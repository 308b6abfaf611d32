package io.lanyard.control;

/** A request the daemon refuses, with the HTTP status Docker would answer and a one-line message. */
public final class RequestException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int status;

    public RequestException(final int status, final String message)
    {
        super(message);
        this.status = status;
    }

    public int status()
    {
        return status;
    }

    public static RequestException badRequest(final String message)
    {
        return new RequestException(400, message);
    }

    public static RequestException forbidden(final String message)
    {
        return new RequestException(403, message);
    }

    public static RequestException notFound(final String message)
    {
        return new RequestException(404, message);
    }

    public static RequestException conflict(final String message)
    {
        return new RequestException(409, message);
    }

    /** A service the request needs (the cluster store) did not answer. */
    public static RequestException unavailable(final String message)
    {
        return new RequestException(503, message);
    }

    public static RequestException internal(final String message)
    {
        return new RequestException(500, message);
    }
}
