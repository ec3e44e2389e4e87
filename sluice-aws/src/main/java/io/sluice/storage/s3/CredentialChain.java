package io.sluice.storage.s3;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.InstanceProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.SystemPropertyCredentialsProvider;
import software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * The SDK's default credentials chain, in its order, that remembers which link answered so that {@code validate} and
 * an access-denied message can name it. Like the SDK's chain it keeps using that link (which refreshes its own
 * temporary credentials) once one has answered.
 */
final class CredentialChain implements AwsCredentialsProvider, SdkAutoCloseable {
    private record Link(String name, AwsCredentialsProvider provider) {}

    /**
     * Why no link gave credentials, as the cause of the SDK's exception: S3Errors reports it as missing credentials,
     * not as a server that cannot be reached.
     */
    static final class NoCredentials extends RuntimeException {
        /** What each link said, and what to do. */
        final String tried;

        NoCredentials(String tried) {
            super("no AWS credentials found; " + tried, null, false, false);
            this.tried = tried;
        }
    }

    private final List<Link> links;
    private final String advice;
    private volatile Link answered;

    private CredentialChain(List<Link> links, String advice) {
        this.links = links;
        this.advice = advice;
    }

    /** The default chain, or only the named profile when the {@code s3} block names one. */
    static CredentialChain of(Optional<String> profile) {
        List<Link> links = new ArrayList<>();
        if (profile.isPresent()) {
            links.add(new Link(
                    "profile " + profile.get() + " (~/.aws/credentials, ~/.aws/config)",
                    ProfileCredentialsProvider.create(profile.get())));
            return new CredentialChain(
                    links,
                    "Add profile " + profile.get() + " to ~/.aws/credentials (or AWS_SHARED_CREDENTIALS_FILE), or "
                            + "drop s3: { profile } to use the default chain");
        }
        links.add(new Link(
                "Java system properties aws.accessKeyId / aws.secretAccessKey",
                SystemPropertyCredentialsProvider.create()));
        links.add(new Link(
                "environment variables AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY",
                EnvironmentVariableCredentialsProvider.create()));
        links.add(new Link(
                "web identity token (AWS_WEB_IDENTITY_TOKEN_FILE, role AWS_ROLE_ARN: EKS IRSA, OIDC)",
                WebIdentityTokenFileCredentialsProvider.create()));
        String name = Optional.ofNullable(System.getenv("AWS_PROFILE")).orElse("default");
        links.add(new Link(
                "profile " + name + " (~/.aws/credentials, ~/.aws/config)", ProfileCredentialsProvider.create()));
        links.add(new Link(
                "container credentials (ECS task role, EKS pod identity)",
                ContainerCredentialsProvider.builder().build()));
        links.add(new Link("instance metadata (EC2 instance profile)", InstanceProfileCredentialsProvider.create()));
        return new CredentialChain(
                links, "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or s3: { profile: ... }");
    }

    @Override
    public AwsCredentials resolveCredentials() {
        Link known = answered;
        if (known != null) return known.provider().resolveCredentials();
        List<String> tried = new ArrayList<>();
        for (Link link : links) {
            try {
                AwsCredentials c = link.provider().resolveCredentials();
                answered = link;
                return c;
            } catch (RuntimeException notHere) {
                tried.add(link.name() + ": " + notHere.getMessage());
            }
        }
        NoCredentials none = new NoCredentials("tried " + String.join("; ", tried) + ". " + advice);
        throw SdkClientException.create(none.getMessage(), none);
    }

    /** Which link gave the credentials (resolving them if none has yet), or why none did. Never the secret. */
    String source() {
        try {
            resolveCredentials();
            return answered.name();
        } catch (RuntimeException none) {
            return "none: " + none.getMessage();
        }
    }

    @Override
    public void close() {
        for (Link link : links) {
            if (link.provider() instanceof SdkAutoCloseable c) c.close();
        }
    }
}
