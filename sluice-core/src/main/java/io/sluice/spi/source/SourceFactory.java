package io.sluice.spi.source;

import io.sluice.spi.ComponentFactory;
import io.sluice.spi.PipelineContext;
import java.util.Optional;
import java.util.regex.Pattern;

/** Creates sources from validated options. */
public interface SourceFactory<O> extends ComponentFactory<O> {
    Source create(O options, PipelineContext context);

    /**
     * The ids of the splits this kind's sources register, where a pattern tells them from other kinds' (a member key
     * with a hash, then the part: the jdbc and bigquery sources); empty for a kind whose ids are its inputs' own names
     * (the files source's paths), which are then the ids no other kind's pattern matches. The planner tells by it
     * whether the ledger's newest split is another kind's: a pipeline whose source kind changed under one ledger.
     */
    default Optional<Pattern> splitIds() {
        return Optional.empty();
    }
}
