package io.lanyard.control;

/**
 * A step of undoing or tidying whose failure is logged, not thrown: a teardown goes on past a
 * device that is already gone, and a request that has already succeeded is not failed by a
 * file it could not rewrite.
 */
final class BestEffort
{
    private static final System.Logger LOG = System.getLogger(ControlPlane.class.getName());

    private BestEffort()
    {
    }

    /** @param what the step, as {@code could not <what>} reads in the log. */
    static void attempt(final String what, final Runnable step)
    {
        try
        {
            step.run();
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "could not " + what + ": " + ex.getMessage());
        }
    }
}
