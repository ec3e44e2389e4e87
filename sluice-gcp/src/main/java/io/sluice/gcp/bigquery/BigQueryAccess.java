package io.sluice.gcp.bigquery;

import com.google.auth.oauth2.GoogleCredentials;
import com.google.cloud.NoCredentials;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryError;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.BigQueryOptions;
import com.google.cloud.bigquery.Job;
import com.google.cloud.bigquery.JobId;
import com.google.cloud.bigquery.JobInfo;
import com.google.cloud.bigquery.QueryJobConfiguration;
import com.google.cloud.bigquery.QueryParameterValue;
import com.google.cloud.bigquery.TableResult;
import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Type;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How the bigquery sink and source reach BigQuery: the project jobs run in, their location, the credentials (a
 * service-account key file, else the application default credentials) and, for a proxy or a test's stand-in, another
 * endpoint. A plain-http endpoint gets no credentials (a local stand-in).
 *
 * @param location    where jobs run ({@code US}, {@code EU}, {@code europe-west1}); null: BigQuery's default
 * @param endpoint    null: BigQuery's own ({@code https://bigquery.googleapis.com})
 * @param credentials null: the application default credentials
 */
public record BigQueryAccess(String project, String location, String endpoint, Path credentials) {
    public static final Field<String> LOCATION = Field.computed(
            "location",
            Type.STRING,
            "BigQuery's default",
            "Where jobs run: the location of the datasets they touch (`US`, `EU`, `europe-west1`).");
    public static final Field<Path> CREDENTIALS = Field.computed(
            "credentials",
            Type.SECRET_PATH,
            "application default credentials",
            "A service-account key file (JSON), relative to the pipeline file; without it the application default "
                    + "credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's login, or the metadata server).");
    public static final Field<String> ENDPOINT = Field.computed(
            "endpoint",
            Type.STRING,
            "`https://bigquery.googleapis.com`",
            "Another endpoint for BigQuery's REST API: a proxy, or a local stand-in at `http://127.0.0.1:PORT` "
                    + "(no credentials are sent to plain http).");

    /** The access a connector's options give: {@code project} and the three fields above. */
    public static BigQueryAccess of(Options o, Field<String> project) {
        return new BigQueryAccess(
                o.get(project),
                o.find(LOCATION).orElse(null),
                o.find(ENDPOINT).orElse(null),
                o.find(CREDENTIALS).orElse(null));
    }

    /**
     * Runs a GoogleSQL query as a job (a random id) and waits for its result.
     *
     * @param pageSize rows per page of the result
     */
    public TableResult query(BigQuery bq, String sql, Map<String, QueryParameterValue> params, long pageSize)
            throws InterruptedException {
        QueryJobConfiguration config = QueryJobConfiguration.newBuilder(sql)
                .setUseLegacySql(false)
                .setNamedParameters(params)
                .build();
        Job job = bq.create(JobInfo.of(
                JobId.newBuilder().setRandomJob().setLocation(location).build(), config));
        return job.getQueryResults(BigQuery.QueryResultsOption.pageSize(pageSize));
    }

    /** Whether the endpoint is plain http (a local stand-in or emulator): no credentials are sent there. */
    public boolean plainHttp() {
        return endpoint != null && endpoint.toLowerCase(Locale.ROOT).startsWith("http://");
    }

    /** A client; does not reach the network (the first call does). */
    public BigQuery client() throws IOException {
        BigQueryOptions.Builder b = BigQueryOptions.newBuilder().setProjectId(project);
        if (location != null) b.setLocation(location);
        if (endpoint != null) b.setHost(endpoint);
        if (plainHttp()) {
            b.setCredentials(NoCredentials.getInstance());
        } else if (credentials != null) {
            try (InputStream in = Files.newInputStream(credentials)) {
                b.setCredentials(GoogleCredentials.fromStream(in)
                        .createScoped(List.of("https://www.googleapis.com/auth/bigquery")));
            } catch (IOException e) {
                throw new IOException(
                        "cannot read the service-account key " + credentials + ": " + e.getMessage()
                                + "; give the path of a JSON key file (IAM > Service accounts > Keys), or leave "
                                + "credentials out to use the application default credentials",
                        e);
            }
        }
        return b.build().getService();
    }

    /** Where the credentials come from, for messages (never the secret itself). */
    public String credentialSource() {
        if (plainHttp()) return "none: " + endpoint + " is plain http";
        if (credentials != null) return "the service-account key " + credentials;
        String env = System.getenv("GOOGLE_APPLICATION_CREDENTIALS");
        return "application default credentials"
                + (env == null || env.isBlank() ? "" : " (GOOGLE_APPLICATION_CREDENTIALS=" + env + ")");
    }

    /**
     * BigQuery's error as a message a user can act on: what failed, BigQuery's own words, and what to do.
     *
     * @param what what was being done, e.g. "cannot load split x into p.d.t"
     */
    public String explain(String what, BigQueryException e) {
        String said = message(e);
        String reason = e.getReason() == null ? "" : e.getReason();
        String todo;
        if (e.getCode() == 401) {
            todo = "the credentials were refused (" + credentialSource() + "); renew them (gcloud auth "
                    + "application-default login) or give credentials: <service-account key file>";
        } else if (e.getCode() == 403 || reason.equals("accessDenied")) {
            todo = "permission denied to " + credentialSource() + "; grant its account BigQuery Data Editor on the "
                    + "dataset and BigQuery Job User on project " + project;
        } else if (e.getCode() == 404 || reason.equals("notFound")) {
            todo = "check project, dataset and table (and location: a dataset in "
                    + (location == null ? "another region" : "a region other than " + location)
                    + " is not found from there); create a missing dataset with `bq mk --dataset " + project
                    + ":DATASET`";
        } else if (reason.equals("invalidQuery") || reason.equals("invalid")) {
            todo = "BigQuery refused it as written; fix what its message names";
        } else {
            todo = "BigQuery answered " + (e.getCode() > 0 ? "HTTP " + e.getCode() : "with an error")
                    + (reason.isEmpty() ? "" : " (" + reason + ")");
        }
        return what + ": " + said + " (" + todo + ")";
    }

    /** BigQuery's message: the error's own, else its first listed error's. */
    public static String message(BigQueryException e) {
        BigQueryError error = e.getError();
        if (error != null && error.getMessage() != null) return error.getMessage();
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
