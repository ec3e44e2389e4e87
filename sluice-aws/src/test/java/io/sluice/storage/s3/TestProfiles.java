package io.sluice.storage.s3;

import io.sluice.testkit.storage.S3ProxyServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Credentials for the tests, through the SDK's real profile chain: a credentials file of the tests' own (the user's
 * ~/.aws stays out of it), with profile {@code sluice-kit} (S3Proxy's keys) and {@code sluice-wrong} (a wrong secret).
 */
public final class TestProfiles {
    private static boolean installed;

    private TestProfiles() {}

    public static synchronized void install() {
        if (installed) return;
        try {
            Path dir = Files.createTempDirectory("sluice-aws-profile-");
            Path credentials = dir.resolve("credentials");
            Path config = dir.resolve("config");
            Files.writeString(
                    credentials,
                    String.join(
                            "\n",
                            "[sluice-kit]",
                            "aws_access_key_id = " + S3ProxyServer.ACCESS_KEY,
                            "aws_secret_access_key = " + S3ProxyServer.SECRET_KEY,
                            "[sluice-wrong]",
                            "aws_access_key_id = " + S3ProxyServer.ACCESS_KEY,
                            "aws_secret_access_key = not-the-secret",
                            ""));
            Files.writeString(config, "");
            for (Path p : new Path[] {dir, credentials, config}) p.toFile().deleteOnExit();
            System.setProperty("aws.sharedCredentialsFile", credentials.toString());
            System.setProperty("aws.configFile", config.toString());
            installed = true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
