package io.sluice.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A self-signed server certificate for TLS tests, made with the running JDK's {@code keytool}. */
public final class TestCertificates {
    /**
     * @param keystore    PKCS12, with the key and certificate under the alias {@code files}
     * @param certificate the certificate as PEM, for a client to trust
     */
    public record Pair(Path keystore, Path certificate) {}

    private TestCertificates() {}

    /** For {@code localhost} and {@code 127.0.0.1}, valid for two days, in {@code dir}. */
    public static Pair localhost(Path dir, String password) throws IOException, InterruptedException {
        Path keystore = dir.resolve("server.p12");
        Path cert = dir.resolve("server.pem");
        String keytool =
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(List.of(
                keytool,
                "-genkeypair",
                "-keystore",
                keystore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                password,
                "-alias",
                "files",
                "-keyalg",
                "EC",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost",
                "-validity",
                "2"));
        run(List.of(
                keytool,
                "-exportcert",
                "-rfc",
                "-keystore",
                keystore.toString(),
                "-storepass",
                password,
                "-alias",
                "files",
                "-file",
                cert.toString()));
        return new Pair(keystore, cert);
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IOException(String.join(" ", command.subList(0, 2)) + " failed: " + out);
    }
}
