package io.sluice.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts a main class in a child JVM with this test's class path, so a test can kill it with SIGKILL. */
public final class ChildJvm {
    private ChildJvm() {}

    /** Output goes to {@code log} (appended), so a failing test can show what the child said. */
    public static Process start(Path log, String mainClass, String... args) throws IOException {
        return start(log, List.of(), mainClass, args);
    }

    /** With JVM options before the main class, e.g. {@code -Dname=value}. */
    public static Process start(Path log, List<String> jvmOptions, String mainClass, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.addAll(jvmOptions);
        cmd.add("-Xmx512m");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("SLUICE_DEBUG", "1");
        return pb.start();
    }
}
