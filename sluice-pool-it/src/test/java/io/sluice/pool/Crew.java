package io.sluice.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The live workers of one scenario: started, killed and replaced, and at the end stopped cleanly. */
final class Crew {
    private final Scenario s;
    private final List<Procs.Proc> live = new ArrayList<>();
    private final List<Procs.Proc> all = new ArrayList<>();
    private int started;

    Crew(Scenario s) {
        this.s = s;
    }

    Procs.Proc start() throws Exception {
        Procs.Proc p = Procs.worker("w" + ++started, s.pipeline, s.logs, s.env());
        live.add(p);
        all.add(p);
        return p;
    }

    List<Procs.Proc> live() {
        return live;
    }

    /** The live worker that said last that it leads the pool and has not said since that another one does. */
    Optional<Procs.Proc> leader() throws Exception {
        List<Procs.Proc> leading = new ArrayList<>();
        for (Procs.Proc p : live) {
            String log = p.logText();
            if (log.lastIndexOf("leading the pool") > log.lastIndexOf("another worker leads the pool now"))
                leading.add(p);
        }
        return leading.size() == 1 ? Optional.of(leading.getFirst()) : Optional.empty();
    }

    void killAndReplace(Procs.Proc victim) throws Exception {
        victim.kill();
        live.remove(victim);
        start();
    }

    /** SIGTERM to each once it has taken over its signals; each must finish its splits and exit 0. */
    void stopAll() throws Exception {
        for (Procs.Proc p : live) p.awaitLog("joins the pool", 120); // fails when it died first, e.g. no ledger
        live.forEach(Procs.Proc::terminate);
        for (Procs.Proc p : live) {
            assertThat(p.exitCode(180))
                    .as("exit code of %s after SIGTERM; log:%n%s", p.name(), p.tail())
                    .isZero();
        }
        live.clear();
    }

    int started() {
        return started;
    }

    /** Every log line of every worker that ever ran, e.g. to count what they said. */
    String logs() throws Exception {
        StringBuilder b = new StringBuilder();
        for (Procs.Proc p : all) b.append(p.logText());
        return b.toString();
    }
}
