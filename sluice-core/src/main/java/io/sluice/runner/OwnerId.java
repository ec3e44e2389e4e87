package io.sluice.runner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The id a process claims splits under (a run's, or a worker's by default): {@code HOST:PID:RANDOM/START/MACHINE}.
 * It says enough for another process on the same machine to tell whether the owner still runs, so that the claims
 * of a killed process are taken over at once instead of after their lease ({@link #gone}).
 *
 * <ul>
 *   <li>{@code RANDOM} tells apart processes whose host and pid repeat (containers with one host name, all pid 1).</li>
 *   <li>{@code START} is when the process started, as the kernel counts it (on Linux the start in clock ticks since
 *       boot, which a change of the wall clock does not move): a pid used again by a new process is not its
 *       owner.</li>
 *   <li>{@code MACHINE} names the boot and the pid namespace: processes with the same host name in other containers
 *       (host networking) or after a reboot do not count as this machine's.</li>
 * </ul>
 * Ids in the older {@code HOST:PID:RANDOM} form, ids given with {@code --id}, and ids of processes whose start could
 * not be read carry no start: their claims are never taken over early, only after their lease.
 */
public record OwnerId(String host, long pid, String random, String start, String machine) {
    /** The random part: 16 hex digits (an id made by an older Sluice has 8, and still reads). */
    private static final Pattern FORMAT =
            Pattern.compile("(.+):(\\d+):([0-9a-f]{16}|[0-9a-f]{8})/(\\d+)/([0-9a-f]{8})");

    private static final Path PROC = Path.of("/proc");
    /** Seeded by the system: two containers started in the same instant draw different parts. */
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private static final String HOST = lookUpHostName();
    private static final String MACHINE = machineOfThisProcess();

    /** What this machine knows about a process by its pid. */
    private sealed interface Seen {}

    private record Absent() implements Seen {}

    private record Unreadable() implements Seen {}

    private record Started(String start) implements Seen {}

    /** A new id for this process (each call gets another random part), or empty when its start cannot be read. */
    public static Optional<OwnerId> current() {
        return of(ProcessHandle.current().pid());
    }

    /** An id for the running process {@code pid} of this machine; empty when its start cannot be read. */
    public static Optional<OwnerId> of(long pid) {
        if (!(startOf(pid) instanceof Started s)) return Optional.empty();
        return Optional.of(new OwnerId(hostName(), pid, randomPart(), s.start(), MACHINE));
    }

    /**
     * The id of this process as the owner of its claims: with its start when it can be read, else in the older form
     * (host, pid, random part), whose claims other processes only take over after their lease.
     */
    public static String forThisProcess() {
        return current()
                .map(OwnerId::toString)
                .orElseGet(() -> hostName() + ":" + ProcessHandle.current().pid() + ":" + randomPart());
    }

    /** 64 random bits as 16 hex digits: processes with one host name and pid (containers, pid 1) never share one. */
    private static String randomPart() {
        return HexFormat.of().toHexDigits(RANDOM.nextLong());
    }

    /** The parts of an id in the form above; empty for any other id (the older form, a name given with --id). */
    public static Optional<OwnerId> parse(String id) {
        if (id == null) return Optional.empty();
        Matcher m = FORMAT.matcher(id);
        if (!m.matches()) return Optional.empty();
        try {
            return Optional.of(new OwnerId(m.group(1), Long.parseLong(m.group(2)), m.group(3), m.group(4), m.group(5)));
        } catch (NumberFormatException e) {
            return Optional.empty(); // a pid beyond a long: not an id Sluice made
        }
    }

    /**
     * True only when this owner was a process of this machine (same host name, boot and pid namespace) that no longer
     * runs: its pid is free, belongs to a process that started at another time, or to one that exited and was not
     * reaped yet. False for a process that runs, for another machine's, and when the start of the process now
     * holding the pid cannot be read.
     */
    public boolean gone() {
        if (!host.equals(hostName()) || !machine.equals(MACHINE)) return false;
        return switch (startOf(pid)) {
            case Absent a -> true;
            case Unreadable u -> false;
            case Started s -> !s.start().equals(start);
        };
    }

    @Override
    public String toString() {
        return host + ":" + pid + ":" + random + "/" + start + "/" + machine;
    }

    /** This machine's host name, looked up once (a lookup may be slow where the name does not resolve). */
    public static String hostName() {
        return HOST;
    }

    private static String lookUpHostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    /**
     * On Linux, field 22 of {@code /proc/PID/stat} (start in clock ticks since boot; a zombie counts as gone);
     * elsewhere the start the JDK reports.
     */
    private static Seen startOf(long pid) {
        if (Files.isDirectory(PROC)) {
            try {
                String stat =
                        Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.US_ASCII);
                // the command name, in parentheses, may hold spaces: fields are counted after its closing one
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (f[0].equals("Z") || f[0].equals("X")) return new Absent();
                return new Started(f[19]);
            } catch (NoSuchFileException e) {
                return new Absent();
            } catch (IOException | RuntimeException e) {
                return new Unreadable();
            }
        }
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        if (p.isEmpty()) return new Absent();
        return p.get()
                .info()
                .startInstant()
                .<Seen>map(i -> new Started(Long.toString(i.toEpochMilli())))
                .orElseGet(Unreadable::new);
    }

    /** A hash of the boot id and the pid namespace on Linux; of the host name elsewhere. */
    private static String machineOfThisProcess() {
        String what;
        try {
            what = Files.readString(PROC.resolve("sys/kernel/random/boot_id")).strip() + "|"
                    + Files.readSymbolicLink(PROC.resolve("self/ns/pid"));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            what = HOST;
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(what.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
