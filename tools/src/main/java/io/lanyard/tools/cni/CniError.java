package io.lanyard.tools.cni;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lanyard.client.Json;

/**
 * A failure as the CNI spec reports it: a well-known code, a one-line message for humans and
 * optional details, printed as JSON on stdout with a non-zero exit.
 */
final class CniError extends RuntimeException
{
    static final int INCOMPATIBLE_VERSION = 1;
    static final int UNSUPPORTED_FIELD = 2;
    static final int UNKNOWN_CONTAINER = 3;
    static final int INVALID_ENVIRONMENT = 4;
    static final int IO_FAILURE = 5;
    static final int DECODE_FAILURE = 6;
    static final int INVALID_CONFIG = 7;
    static final int TRY_AGAIN_LATER = 11;
    static final int NOT_AVAILABLE = 50;
    /** Plugin-specific (the spec leaves 100 and up to plugins): the daemon refused the request. */
    static final int REFUSED = 100;
    /** Plugin-specific: CHECK found the attachment not as ADD left it. */
    static final int CHECK_FAILED = 101;

    private final int code;
    private final String details;

    CniError(final int code, final String message)
    {
        this(code, message, null);
    }

    CniError(final int code, final String message, final String details)
    {
        super(message);
        this.code = code;
        this.details = details;
    }

    int code()
    {
        return code;
    }

    ObjectNode toJson(final String cniVersion)
    {
        final ObjectNode json = Json.MAPPER.createObjectNode();
        json.put("cniVersion", cniVersion);
        json.put("code", code);
        json.put("msg", getMessage());
        if (details != null)
        {
            json.put("details", details);
        }
        return json;
    }
}
