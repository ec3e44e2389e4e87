package io.sluice.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Sends a command to a local Redis server as its administrator would (redis-cli is not installed: embedded-redis
 * bundles only the server), e.g. to rotate its password under running workers.
 */
public final class RedisAdmin {
    private RedisAdmin() {}

    /** Authenticates with {@code password}, sends the command, and returns the server's first reply line. */
    public static String command(int port, String password, String... args) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            out.write(resp("AUTH", password));
            String auth = in.readLine();
            if (!auth.startsWith("+OK")) throw new IllegalStateException("AUTH: " + auth);
            out.write(resp(args));
            String reply = in.readLine();
            if (reply.startsWith("-")) throw new IllegalStateException(String.join(" ", args) + ": " + reply);
            return reply;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Changes the password and drops every client's connection, so each reconnects with what it was given. */
    public static void rotatePassword(int port, String from, String to) {
        command(port, from, "CONFIG", "SET", "requirepass", to);
        command(port, to, "CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
    }

    private static byte[] resp(String... args) {
        StringBuilder b = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            b.append('$')
                    .append(a.getBytes(StandardCharsets.UTF_8).length)
                    .append("\r\n")
                    .append(a)
                    .append("\r\n");
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }
}
