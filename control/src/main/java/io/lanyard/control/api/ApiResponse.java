package io.lanyard.control.api;

import io.lanyard.client.api.ErrorResponse;

/** A status and a body that is either JSON-serialisable, plain text, or nothing. */
public record ApiResponse(int status, Object body)
{
    public static ApiResponse ok(final Object body)
    {
        return new ApiResponse(200, body);
    }

    public static ApiResponse created(final Object body)
    {
        return new ApiResponse(201, body);
    }

    public static ApiResponse noContent()
    {
        return new ApiResponse(204, null);
    }

    /** Docker's error shape: {@code {"message": "..."}}. */
    public static ApiResponse error(final int status, final String message)
    {
        return new ApiResponse(status, new ErrorResponse(message));
    }
}
