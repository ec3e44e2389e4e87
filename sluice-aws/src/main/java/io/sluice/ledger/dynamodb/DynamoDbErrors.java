package io.sluice.ledger.dynamodb;

import io.sluice.spi.LedgerException;
import io.sluice.spi.LedgerRefusedException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.RequestLimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/** Turns AWS SDK failures into messages that name the ledger and say what to do. */
final class DynamoDbErrors {
    private DynamoDbErrors() {}

    static LedgerException failure(DynamoDbConfig config, String action, SdkException e) {
        String message = config.describe() + ": cannot " + action + ": " + explain(e);
        return LedgerRefusedException.when(refused(e), message, e);
    }

    /**
     * True when DynamoDB answered and refused: access denied, or the table gone (a member stops, and is started again
     * to create it). Missing credentials are not: an instance's role may answer a moment later.
     */
    private static boolean refused(SdkException e) {
        return e instanceof ResourceNotFoundException || accessDenied(e);
    }

    private static boolean accessDenied(SdkException e) {
        return e instanceof DynamoDbException d
                && d.statusCode() == 400
                && d.awsErrorDetails() != null
                && d.awsErrorDetails().errorCode() != null
                && d.awsErrorDetails().errorCode().matches("AccessDenied.*|UnrecognizedClient.*|.*Signature.*");
    }

    private static String explain(SdkException e) {
        String detail = " (" + e.getMessage() + ")";
        return switch (e) {
            case ApiCallTimeoutException t -> unreachable(detail);
            case SdkClientException c
            when c.getMessage() != null && c.getMessage().contains("credentials") ->
                "no AWS credentials found; provide them the usual way (AWS_ACCESS_KEY_ID and "
                        + "AWS_SECRET_ACCESS_KEY, a profile, or the instance's role)" + detail;
            case SdkClientException c -> unreachable(detail);
            case ResourceNotFoundException r ->
                "the table or its index is gone; it is created again when the ledger "
                        + "is next opened (its contents are lost: every split is planned and processed again)" + detail;
            case ProvisionedThroughputExceededException p -> throttled(detail);
            case RequestLimitExceededException r -> throttled(detail);
            case DynamoDbException d
            when accessDenied(d) ->
                "access denied; the credentials need dynamodb:* on the table and its indexes" + detail;
            default -> e.getMessage();
        };
    }

    private static String throttled(String detail) {
        return "DynamoDB throttled the request beyond the SDK's retries; give the table more capacity (or on-demand "
                + "mode, which Sluice uses when it creates the table)" + detail;
    }

    private static String unreachable(String detail) {
        return "DynamoDB is unreachable or not answering" + detail + "; check the region, the endpoint and the "
                + "network. Nothing is lost meanwhile: a split this worker holds is taken over by another worker when "
                + "its lease runs out, and calls work again once DynamoDB answers";
    }
}
