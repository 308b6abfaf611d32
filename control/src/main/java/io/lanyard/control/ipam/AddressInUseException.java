package io.lanyard.control.ipam;

/** A specific address was asked for and someone already has it. */
public final class AddressInUseException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public AddressInUseException(final String message)
    {
        super(message);
    }
}
