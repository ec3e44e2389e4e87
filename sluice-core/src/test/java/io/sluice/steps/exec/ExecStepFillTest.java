package io.sluice.steps.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a command's arguments get the input's values. */
class ExecStepFillTest {
    @Test
    void aValueHoldingAPlaceholdersTextIsNotFilledAgain() {
        // a file may be named after a placeholder: its path must reach the command as it is
        Map<String, String> values = Map.of(
                "input", "/in/a{key}{split}.txt",
                "output_dir", "/out/.input-0",
                "split", "s-{input}",
                "key", "a{key}{split}.txt");
        assertThat(ExecStep.fill("{input}", values)).isEqualTo("/in/a{key}{split}.txt");
        assertThat(ExecStep.fill("--in={input} --key={key} {split} {output_dir}/x", values))
                .isEqualTo("--in=/in/a{key}{split}.txt --key=a{key}{split}.txt s-{input} /out/.input-0/x");
        assertThat(ExecStep.fill("$5 {other} \\1", values)).isEqualTo("$5 {other} \\1");
    }
}
