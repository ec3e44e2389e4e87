import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a synthetic Google Cloud detailed billing export as gzip JSON lines, in the shape BigQuery exports the
 * gcp_billing_export_resource_v1 table (nested service, sku, project, location, resource, usage, price and invoice
 * records; credits, labels, system_labels and tags lists; timestamps as "2024-01-15 10:00:00 UTC"). No public
 * export exists. Rows mix on-demand usage with sustained use and committed use credits, spend-based commitments,
 * free tier, Marketplace, tax and corrections. Deterministic for a seed.
 *
 * <pre>java GcpExportGenerator.java --out DIR [--rows N] [--months 2024-01,2024-02] [--seed S]</pre>
 */
public final class GcpExportGenerator {
    private static final String ACCOUNT = "012345-6789AB-CDEF01";
    private static final String[][] PROJECTS = {{"shop-prod", "Shop (prod)", "prod"}, {"shop-dev", "Shop (dev)", "dev"}, {"data-lake", "Data Lake", "prod"}};
    private static final String[] REGIONS = {"us-central1", "europe-west1", "asia-northeast1"};
    private static final String[] TEAMS = {"web", "data", "ml"};
    /** service id, service, sku id, sku, usage unit, pricing unit, usage per pricing unit, price, resource collection. */
    private static final String[][] SKUS = {
            {"6F81-5844-456A", "Compute Engine", "2E27-4F75-95CD", "N1 Predefined Instance Core running in Americas", "seconds", "hour", "3600", "0.031611", "instances"},
            {"6F81-5844-456A", "Compute Engine", "D973-5D65-BAB2", "Storage PD Capacity", "byte-seconds", "gibibyte month", "2817498546995200", "0.04", "disks"},
            {"95FF-2EF5-5EA1", "Cloud Storage", "E5F0-6A5D-7BAD", "Standard Storage US Multi-region", "byte-seconds", "gibibyte month", "2817498546995200", "0.026", "buckets"},
            {"24E6-581D-38E5", "BigQuery", "3362-E469-6BEF", "Analysis", "bytes", "tebibyte", "1099511627776", "6.25", ""},
            {"152E-C115-5142", "Cloud Run", "8A5C-6F1E-7B3D", "CPU Allocation Time", "vCPU-seconds", "vCPU-second", "1", "0.000024", "services"},
            {"9662-B51E-5089", "Cloud SQL", "8EF3-0E23-5B4A", "Cloud SQL for PostgreSQL: Zonal - vCPU", "seconds", "hour", "3600", "0.0413", "instances"}};

    private final SplittableRandom random;

    private GcpExportGenerator(long seed) {
        random = new SplittableRandom(seed);
    }

    public static void main(String[] args) throws IOException {
        Path out = null;
        long rows = 1_000;
        String months = "2024-01,2024-02";
        long seed = 7;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[i + 1]);
                case "--rows" -> rows = Long.parseLong(args[i + 1]);
                case "--months" -> months = args[i + 1];
                case "--seed" -> seed = Long.parseLong(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (out == null) {
            System.err.println("usage: java GcpExportGenerator.java --out DIR [--rows N] [--months 2024-01,2024-02] [--seed S]");
            System.exit(2);
        }
        String[] ms = months.split(",");
        GcpExportGenerator g = new GcpExportGenerator(seed);
        for (String m : ms) {
            YearMonth month = YearMonth.parse(m.strip());
            Path file = Files.createDirectories(out.resolve(month.toString())).resolve("billing-export-000.jsonl.gz");
            try (Writer w = new OutputStreamWriter(new GZIPOutputStream(new BufferedOutputStream(Files.newOutputStream(file))), StandardCharsets.UTF_8)) {
                for (long r = 0; r < rows / ms.length; r++) w.write(g.row(month) + "\n");
                w.write(g.tax(month) + "\n");
            }
        }
        System.out.println("wrote " + rows + " rows under " + out);
    }

    private String row(YearMonth month) {
        String[] sku = SKUS[random.nextInt(SKUS.length)];
        String[] project = PROJECTS[random.nextInt(PROJECTS.length)];
        String region = REGIONS[random.nextInt(REGIONS.length)];
        LocalDate day = month.atDay(1 + random.nextInt(month.lengthOfMonth()));
        int hour = random.nextInt(24);
        String start = day + " " + two(hour) + ":00:00 UTC";
        String end = (hour == 23 ? day.plusDays(1) + " 00" : day + " " + two(hour + 1)) + ":00:00 UTC";
        int kind = random.nextInt(100);
        BigDecimal pricingAmount = BigDecimal.valueOf(random.nextInt(1, 100_000), 3);
        BigDecimal price = new BigDecimal(sku[7]);
        BigDecimal cost = price.multiply(pricingAmount).setScale(6, RoundingMode.HALF_UP);
        BigDecimal usage = pricingAmount.multiply(new BigDecimal(sku[6]));
        StringBuilder credits = new StringBuilder("[");
        String instance = "null";
        boolean adjustment = kind >= 98;
        if (kind < 20 && sku[1].equals("Compute Engine")) {
            credits.append(credit("Sustained usage discount", cost.multiply(new BigDecimal("-0.2")), "", "SUSTAINED_USAGE_DISCOUNT", null));
        } else if (kind < 35 && sku[1].equals("Compute Engine")) {
            credits.append(credit("Committed use discount: CPU", cost.multiply(new BigDecimal("-0.57")),
                    "projects/" + project[0] + "/regions/" + region + "/commitments/cud-1", "COMMITTED_USAGE_DISCOUNT",
                    "Commitment v1: CPU in " + region + " for 1 year"));
        } else if (kind < 45 && sku[1].equals("BigQuery")) {
            credits.append(credit("Spend based committed use discount", cost.multiply(new BigDecimal("-0.2")), "sbc-bq-1",
                    "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE", "BigQuery spend-based commitment"));
            instance = "\"sbc-bq-1\"";
        } else if (kind < 50 && sku[1].equals("Cloud Storage")) {
            credits.append(credit("Free tier", cost.negate(), "", "FREE_TIER", null));
        }
        credits.append(']');
        boolean marketplace = kind >= 95 && kind < 98;
        String service = marketplace ? "{\"id\":\"A1B2-C3D4-E5F6\",\"description\":\"Acme Observability (Marketplace)\"}"
                : "{\"id\":\"" + sku[0] + "\",\"description\":\"" + sku[1] + "\"}";
        String resource = sku[8].isEmpty() || marketplace ? "null" : "{\"name\":\"" + sku[8] + "-" + random.nextInt(20)
                + "\",\"global_name\":\"//" + sku[1].toLowerCase().replace(' ', '-') + ".googleapis.com/projects/" + project[0]
                + "/locations/" + region + "/" + sku[8] + "/" + random.nextLong(1L << 40) + "\"}";
        String labels = "[{\"key\":\"team\",\"value\":\"" + TEAMS[random.nextInt(TEAMS.length)] + "\"}]";
        String system = sku[1].equals("Compute Engine") ? "[{\"key\":\"compute.googleapis.com/machine_spec\",\"value\":\"n1-standard-4\"},"
                + "{\"key\":\"compute.googleapis.com/cores\",\"value\":\"4\"}]" : "[]";
        return "{\"billing_account_id\":\"" + ACCOUNT + "\",\"service\":" + service
                + ",\"sku\":{\"id\":\"" + sku[2] + "\",\"description\":\"" + sku[3] + "\"}"
                + ",\"usage_start_time\":\"" + (adjustment ? month.minusMonths(1).atDay(3) + " 00:00:00 UTC" : start) + "\""
                + ",\"usage_end_time\":\"" + (adjustment ? month.minusMonths(1).atDay(4) + " 00:00:00 UTC" : end) + "\""
                + ",\"project\":{\"id\":\"" + project[0] + "\",\"number\":\"10000" + project[0].length() + "\",\"name\":\"" + project[1]
                + "\",\"labels\":[{\"key\":\"env\",\"value\":\"" + project[2] + "\"}]}"
                + ",\"labels\":" + labels + ",\"system_labels\":" + system
                + ",\"tags\":[{\"key\":\"cost-center\",\"value\":\"cc-" + random.nextInt(3) + "\",\"inherited\":true,\"namespace\":\"123456789012\"}]"
                + ",\"location\":{\"location\":\"" + region + "\",\"country\":\"US\",\"region\":\"" + region + "\",\"zone\":\"" + region + "-a\"}"
                + ",\"resource\":" + resource
                + ",\"price\":{\"effective_price\":" + price + ",\"tier_start_amount\":0,\"unit\":\"" + sku[5] + "\",\"pricing_unit_quantity\":1}"
                + ",\"subscription\":{\"instance_id\":" + instance + "}"
                + ",\"transaction_type\":\"" + (marketplace ? "THIRD_PARTY_RESELLER" : "GOOGLE") + "\",\"seller_name\":" + (marketplace ? "\"Acme Inc\"" : "null")
                + ",\"export_time\":\"" + month.plusMonths(1).atDay(2) + " 06:00:00 UTC\""
                + ",\"cost\":" + (adjustment ? cost.negate() : cost) + ",\"currency\":\"USD\",\"currency_conversion_rate\":1.0"
                + ",\"usage\":{\"amount\":" + (adjustment ? "0" : usage.toPlainString()) + ",\"unit\":\"" + sku[4] + "\",\"amount_in_pricing_units\":"
                + (adjustment ? "0" : pricingAmount.toPlainString()) + ",\"pricing_unit\":\"" + sku[5] + "\"}"
                + ",\"credits\":" + credits
                + ",\"invoice\":{\"month\":\"" + month.toString().replace("-", "") + "\",\"publisher_type\":\"" + (marketplace ? "THIRD_PARTY" : "GOOGLE") + "\"}"
                + ",\"cost_type\":\"" + (adjustment ? "adjustment" : "regular") + "\""
                + ",\"adjustment_info\":" + (adjustment ? "{\"id\":\"adj-" + random.nextInt(1000) + "\",\"description\":\"Billing correction\",\"mode\":\"MANUAL_ADJUSTMENT\",\"type\":\"BILLING_CORRECTION\"}" : "null")
                + ",\"cost_at_list\":" + (adjustment ? "null" : cost.multiply(new BigDecimal("1.1")).setScale(6, RoundingMode.HALF_UP)) + "}";
    }

    private String tax(YearMonth month) {
        return "{\"billing_account_id\":\"" + ACCOUNT + "\",\"service\":{\"id\":\"TAX\",\"description\":\"Invoice\"},\"sku\":{\"id\":\"TAX-US\",\"description\":\"Tax\"}"
                + ",\"usage_start_time\":\"" + month.atDay(1) + " 08:00:00 UTC\",\"usage_end_time\":\"" + month.plusMonths(1).atDay(1) + " 08:00:00 UTC\""
                + ",\"project\":null,\"labels\":[],\"system_labels\":[],\"tags\":[],\"location\":null,\"resource\":null,\"price\":null"
                + ",\"subscription\":{\"instance_id\":null},\"transaction_type\":\"GOOGLE\",\"seller_name\":null"
                + ",\"export_time\":\"" + month.plusMonths(1).atDay(2) + " 06:00:00 UTC\",\"cost\":" + BigDecimal.valueOf(random.nextInt(10_000), 2)
                + ",\"currency\":\"USD\",\"currency_conversion_rate\":1.0,\"usage\":{\"amount\":0,\"unit\":null,\"amount_in_pricing_units\":0,\"pricing_unit\":null}"
                + ",\"credits\":[],\"invoice\":{\"month\":\"" + month.toString().replace("-", "") + "\",\"publisher_type\":\"GOOGLE\"}"
                + ",\"cost_type\":\"tax\",\"adjustment_info\":null,\"cost_at_list\":null}";
    }

    private static String credit(String name, BigDecimal amount, String id, String type, String fullName) {
        return "{\"name\":\"" + name + "\",\"amount\":" + amount.setScale(6, RoundingMode.HALF_UP) + ",\"full_name\":"
                + (fullName == null ? "null" : "\"" + fullName + "\"") + ",\"id\":\"" + id + "\",\"type\":\"" + type + "\"}";
    }

    private static String two(int n) {
        return n < 10 ? "0" + n : Integer.toString(n);
    }
}
