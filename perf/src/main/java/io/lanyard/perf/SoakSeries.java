package io.lanyard.perf;

/**
 * The soak's series, in the order of the CSV's columns: what the daemon holds (judged for
 * growth), what went wrong (any is shown), and what the loads did and how fast (shown only).
 * Counters are totals since the loads started; {@link #DNS_P99_MS} is the p99 of the DNS
 * answers since the sample before, {@link #IPERF_GBPS} the receiver's rate of the last iperf3
 * run that ended.
 */
enum SoakSeries
{
    RSS_MB("rss_mb", Kind.HELD, 1.0),
    HEAP_USED_MB("heap_used_mb", Kind.HELD, 1.0),
    METASPACE_MB("metaspace_mb", Kind.HELD, 1.0),
    FDS("fds", Kind.HELD, 2.0),
    THREADS("threads", Kind.HELD, 2.0),
    NAMESPACES("namespaces", Kind.HELD, 1.0),
    STAGE_ERRORS("stage_errors", Kind.ERRORS, 0),
    CHURN_ERRORS("churn_errors", Kind.ERRORS, 0),
    DNS_UNANSWERED("dns_unanswered", Kind.ERRORS, 0),
    IPERF_FAILURES("iperf_failures", Kind.ERRORS, 0),
    CHURN_CYCLES("churn_cycles", Kind.DONE, 0),
    DNS_QUERIES("dns_queries", Kind.DONE, 0),
    IPERF_RUNS("iperf_runs", Kind.DONE, 0),
    DNS_P99_MS("dns_p99_ms", Kind.PACE, 0),
    IPERF_GBPS("iperf_gbps", Kind.PACE, 0);

    /** How the summary judges a series. */
    enum Kind
    {
        /** A resource the daemon holds: flat or growing over the last half. */
        HELD,
        /** A count of failures: any at all is shown, with how many came in the last half. */
        ERRORS,
        /** A count of what the loads did: its total is shown, not judged. */
        DONE,
        /** How the loads went in each interval: median, minimum and maximum shown, not judged. */
        PACE
    }

    private final String column;
    private final Kind kind;
    private final double floor;

    /**
     * @param floor for {@link Kind#HELD}: a rise over the last half this small is flat however small the series (1 MB; 2
     *              descriptors or threads, so one pool thread or socket that comes late is no trend; 1 namespace).
     */
    SoakSeries(final String column, final Kind kind, final double floor)
    {
        this.column = column;
        this.kind = kind;
        this.floor = floor;
    }

    String column()
    {
        return column;
    }

    Kind kind()
    {
        return kind;
    }

    double floor()
    {
        return floor;
    }
}
