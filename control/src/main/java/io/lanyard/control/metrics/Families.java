package io.lanyard.control.metrics;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The metric families of one scrape, gathered point by point: each family (a name with its
 * help and type) collects its labelled values, and becomes one snapshot at the end.
 */
final class Families
{
    private record Family(String name, String help, boolean counter, List<Object> points)
    {
    }

    private final Map<String, Family> families = new LinkedHashMap<>();

    /** A counter's value; {@code name} without {@code _total}, which the format adds. */
    void counter(final String name, final String help, final Labels labels, final double value)
    {
        family(name, help, true).points().add(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(value).build());
    }

    void gauge(final String name, final String help, final Labels labels, final double value)
    {
        family(name, help, false).points().add(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(value).build());
    }

    MetricSnapshots snapshots()
    {
        final List<MetricSnapshot> snapshots = new ArrayList<>();
        for (final Family family : families.values())
        {
            if (family.counter())
            {
                final CounterSnapshot.Builder builder = CounterSnapshot.builder().name(family.name()).help(family.help());
                family.points().forEach(point -> builder.dataPoint((CounterSnapshot.CounterDataPointSnapshot)point));
                snapshots.add(builder.build());
            }
            else
            {
                final GaugeSnapshot.Builder builder = GaugeSnapshot.builder().name(family.name()).help(family.help());
                family.points().forEach(point -> builder.dataPoint((GaugeSnapshot.GaugeDataPointSnapshot)point));
                snapshots.add(builder.build());
            }
        }
        return new MetricSnapshots(snapshots);
    }

    private Family family(final String name, final String help, final boolean counter)
    {
        final Family family = families.computeIfAbsent(name, n -> new Family(n, help, counter, new ArrayList<>()));
        if (family.counter() != counter)
        {
            throw new IllegalStateException(name + " is both a counter and a gauge");
        }
        return family;
    }
}
