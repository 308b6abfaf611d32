package io.lanyard.client.api;

/**
 * A request body that does not make a request of the API: a field of the wrong JSON type, a
 * required field missing, or something the API cannot express. The daemon answers it with 400
 * and this one-line message.
 */
public final class InvalidRequestException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public InvalidRequestException(final String message)
    {
        super(message);
    }
}
