package io.sluice.pipeline;

import io.sluice.config.Options;
import io.sluice.spi.ComponentFactory;
import io.sluice.spi.Ledger;
import io.sluice.spi.LedgerFactory;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.RunnerKind;
import io.sluice.spi.Step;
import io.sluice.spi.StepFactory;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkFactory;
import io.sluice.spi.source.Source;
import io.sluice.spi.source.SourceFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Every component on the class path, by role and kind; found with {@link ServiceLoader}. Hands a validated block
 * ({@link Options.Selected}) to the factory of its kind, typed as that factory declared it.
 */
public record Components(
        Map<String, SourceFactory<?>> sources,
        Map<String, StepFactory<?>> steps,
        Map<String, SinkFactory<?>> sinks,
        Map<String, LedgerFactory<?>> ledgers,
        Map<String, RunnerKind<?>> runners) {

    public static Components discover() {
        ClassLoader loader = Components.class.getClassLoader();
        return new Components(
                load(SourceFactory.class, loader),
                load(StepFactory.class, loader),
                load(SinkFactory.class, loader),
                load(LedgerFactory.class, loader),
                load(RunnerKind.class, loader));
    }

    public Source source(Options.Selected s, PipelineContext context) {
        return create(sources.get(s.kind()), s, context);
    }

    public Step step(Options.Selected s, PipelineContext context) {
        return create(steps.get(s.kind()), s, context);
    }

    /** Whether a declared step reads each input file whole ({@link StepFactory#readsWholeFiles}). */
    public boolean readsWholeFiles(java.util.List<Options.Selected> declared) {
        return declared.stream().anyMatch(s -> steps.get(s.kind()).readsWholeFiles());
    }

    public Sink sink(Options.Selected s, PipelineContext context) {
        return create(sinks.get(s.kind()), s, context);
    }

    public Ledger openLedger(Options.Selected s, PipelineContext context) {
        return open(ledgers.get(s.kind()), s, context);
    }

    /** The ledger when it exists ({@link LedgerFactory#openExisting}): for validate, which creates none. */
    public java.util.Optional<Ledger> openExistingLedger(Options.Selected s, PipelineContext context) {
        return openExisting(ledgers.get(s.kind()), s, context);
    }

    public void checkLedger(Options.Selected s, PipelineContext context) {
        check(ledgers.get(s.kind()), s, context);
    }

    /** The runner's checks of its {@code run.KIND} block against the pipeline ({@link RunnerKind#check}): validate. */
    public void checkRunner(Options.Selected s, RunnerKind.Pipeline pipeline) {
        check(runners.get(s.kind()), s, pipeline);
    }

    private static <O> void check(RunnerKind<O> f, Options.Selected s, RunnerKind.Pipeline pipeline) {
        f.check(valueFor(f, s), pipeline);
    }

    public String describeLedger(Options.Selected s) {
        return describe(ledgers.get(s.kind()), s);
    }

    private static <O> Source create(SourceFactory<O> f, Options.Selected s, PipelineContext context) {
        return f.create(valueFor(f, s), context);
    }

    private static <O> Step create(StepFactory<O> f, Options.Selected s, PipelineContext context) {
        return f.create(valueFor(f, s), context);
    }

    private static <O> Sink create(SinkFactory<O> f, Options.Selected s, PipelineContext context) {
        return f.create(valueFor(f, s), context);
    }

    private static <O> Ledger open(LedgerFactory<O> f, Options.Selected s, PipelineContext context) {
        return f.open(valueFor(f, s), context);
    }

    private static <O> java.util.Optional<Ledger> openExisting(
            LedgerFactory<O> f, Options.Selected s, PipelineContext context) {
        return f.openExisting(valueFor(f, s), context);
    }

    private static <O> void check(LedgerFactory<O> f, Options.Selected s, PipelineContext context) {
        f.check(valueFor(f, s), context);
    }

    private static <O> String describe(LedgerFactory<O> f, Options.Selected s) {
        return f.describe(valueFor(f, s));
    }

    @SuppressWarnings("unchecked") // the Validator made the value from this factory's own options()
    private static <O> O valueFor(ComponentFactory<O> factory, Options.Selected s) {
        return (O) s.value();
    }

    @SuppressWarnings("unchecked") // a provider of a role is a factory of that role; its options type is its own
    private static <T extends ComponentFactory<?>> Map<String, T> load(Class<?> role, ClassLoader loader) {
        Map<String, T> byKind = new LinkedHashMap<>();
        ServiceLoader.load(role, loader).stream()
                .map(p -> (T) p.get())
                .sorted(java.util.Comparator.comparing(ComponentFactory::kind))
                .forEach(f -> {
                    T previous = byKind.putIfAbsent(f.kind(), f);
                    if (previous != null) {
                        throw new IllegalStateException("two " + role.getSimpleName() + "s claim the kind '" + f.kind()
                                + "': " + previous.getClass().getName() + " and "
                                + f.getClass().getName());
                    }
                });
        return java.util.Collections.unmodifiableMap(byKind);
    }
}
