import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Writes synthetic AWS Cost and Usage Reports as gzip CSV, legacy CUR (lineItem/... names) or CUR 2.0 (snake_case
 * names, product and tag maps as JSON text). No public CUR has Reserved Instance or Savings Plan rows, so these
 * files carry every line item type in a realistic mix: mostly hourly usage, some of it covered by a Reserved
 * Instance or a Savings Plan (with its negation row), the monthly commitment fees, upfront fees, tax, credits,
 * discounts and refunds. Costs are rate x amount, rounded to 10 places as CUR does. Deterministic for a seed.
 *
 * <pre>java CurGenerator.java --out DIR [--rows N] [--files F] [--months 2024-01,2024-02] [--format legacy|cur2] [--seed S]</pre>
 */
public final class CurGenerator {
    private static final String PAYER = "012345678901";
    private static final String[] ACCOUNTS = {"000011112222", "000033334444", "000055556666", "012300004567"};
    private static final String[] REGIONS = {"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"};
    private static final String[] LOCATIONS = {"US East (N. Virginia)", "US West (Oregon)", "EU (Ireland)", "Asia Pacific (Sydney)"};
    private static final String[] TEAMS = {"web", "data", "ml", "platform", ""};

    /** code, name, usage type, unit, public rate, resource prefix, instance type. */
    private record Product(String code, String name, String usageType, String unit, String rate, String resource, String instance) {
    }

    private static final List<Product> PRODUCTS = List.of(
            new Product("AmazonEC2", "Amazon Elastic Compute Cloud", "BoxUsage:m5.large", "Hrs", "0.096", "i-0", "m5.large"),
            new Product("AmazonEC2", "Amazon Elastic Compute Cloud", "BoxUsage:c5.xlarge", "Hrs", "0.17", "i-0", "c5.xlarge"),
            new Product("AmazonEC2", "Amazon Elastic Compute Cloud", "EBS:VolumeUsage.gp3", "GB-Mo", "0.08", "vol-0", ""),
            new Product("AmazonS3", "Amazon Simple Storage Service", "TimedStorage-ByteHrs", "GB-Mo", "0.023", "arn:aws:s3:::bucket-", ""),
            new Product("AmazonRDS", "Amazon Relational Database Service", "InstanceUsage:db.r5.large", "Hrs", "0.25", "arn:aws:rds:REGION:ACCOUNT:db:db-", "db.r5.large"),
            new Product("AWSLambda", "AWS Lambda", "Lambda-GB-Second", "Lambda-GB-Second", "0.0000166667", "arn:aws:lambda:REGION:ACCOUNT:function:fn-", ""),
            new Product("AmazonCloudFront", "Amazon CloudFront", "DataTransfer-Out-Bytes", "GB", "0.085", "arn:aws:cloudfront::ACCOUNT:distribution/E", ""),
            new Product("AWSDataTransfer", "AWS Data Transfer", "DataTransfer-Out-Bytes", "GB", "0.09", "", ""),
            new Product("AmazonDynamoDB", "Amazon DynamoDB", "ReadRequestUnits", "ReadRequestUnits", "0.00000025", "arn:aws:dynamodb:REGION:ACCOUNT:table/t-", ""));

    private static final String[] LEGACY = {"identity/LineItemId", "identity/TimeInterval", "bill/InvoiceId", "bill/InvoicingEntity",
            "bill/BillingEntity", "bill/BillType", "bill/PayerAccountId", "bill/BillingPeriodStartDate", "bill/BillingPeriodEndDate",
            "lineItem/UsageAccountId", "lineItem/LineItemType", "lineItem/UsageStartDate", "lineItem/UsageEndDate",
            "lineItem/ProductCode", "lineItem/UsageType", "lineItem/Operation", "lineItem/AvailabilityZone", "lineItem/ResourceId",
            "lineItem/UsageAmount", "lineItem/NormalizationFactor", "lineItem/CurrencyCode", "lineItem/UnblendedRate",
            "lineItem/UnblendedCost", "lineItem/BlendedRate", "lineItem/BlendedCost", "lineItem/LineItemDescription",
            "lineItem/TaxType", "lineItem/LegalEntity", "product/ProductName", "product/productFamily", "product/instanceType",
            "product/operatingSystem", "product/region", "product/location", "product/sku", "pricing/RateCode", "pricing/RateId",
            "pricing/currency", "pricing/publicOnDemandCost", "pricing/publicOnDemandRate", "pricing/term", "pricing/unit",
            "reservation/ReservationARN", "reservation/EffectiveCost", "reservation/TotalReservedUnits", "reservation/UnusedQuantity",
            "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod", "reservation/UnusedRecurringFee", "savingsPlan/SavingsPlanARN",
            "savingsPlan/SavingsPlanRate", "savingsPlan/SavingsPlanEffectiveCost", "savingsPlan/TotalCommitmentToDate",
            "savingsPlan/UsedCommitment", "resourceTags/user:team", "resourceTags/user:env", "resourceTags/aws:createdBy"};

    /**
     * CUR 2.0 names, in the same order; the three tag columns become the product, resource_tags and cost_category
     * maps, and the account names (CUR 2.0 only) follow.
     */
    private static final String[] CUR2 = {"identity_line_item_id", "identity_time_interval", "bill_invoice_id", "bill_invoicing_entity",
            "bill_billing_entity", "bill_bill_type", "bill_payer_account_id", "bill_billing_period_start_date", "bill_billing_period_end_date",
            "line_item_usage_account_id", "line_item_line_item_type", "line_item_usage_start_date", "line_item_usage_end_date",
            "line_item_product_code", "line_item_usage_type", "line_item_operation", "line_item_availability_zone", "line_item_resource_id",
            "line_item_usage_amount", "line_item_normalization_factor", "line_item_currency_code", "line_item_unblended_rate",
            "line_item_unblended_cost", "line_item_blended_rate", "line_item_blended_cost", "line_item_line_item_description",
            "line_item_tax_type", "line_item_legal_entity", "product_product_name", "product_product_family", "product_instance_type",
            "product_operating_system", "product_region_code", "product_location", "product_sku", "pricing_rate_code", "pricing_rate_id",
            "pricing_currency", "pricing_public_on_demand_cost", "pricing_public_on_demand_rate", "pricing_term", "pricing_unit",
            "reservation_reservation_a_r_n", "reservation_effective_cost", "reservation_total_reserved_units", "reservation_unused_quantity",
            "reservation_unused_amortized_upfront_fee_for_billing_period", "reservation_unused_recurring_fee", "savings_plan_savings_plan_a_r_n",
            "savings_plan_savings_plan_rate", "savings_plan_savings_plan_effective_cost", "savings_plan_total_commitment_to_date",
            "savings_plan_used_commitment", "product", "resource_tags", "cost_category", "bill_payer_account_name",
            "line_item_usage_account_name"};

    private final SplittableRandom random;
    private final boolean cur2;
    private final String[] row = new String[LEGACY.length];
    private long id;

    private CurGenerator(long seed, boolean cur2) {
        this.random = new SplittableRandom(seed);
        this.cur2 = cur2;
    }

    public static void main(String[] args) throws IOException {
        Path out = null;
        long rows = 5_000;
        int files = 2;
        String months = "2024-01,2024-02";
        String format = "legacy";
        long seed = 42;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[i + 1]);
                case "--rows" -> rows = Long.parseLong(args[i + 1].replace("_", ""));
                case "--files" -> files = Integer.parseInt(args[i + 1]);
                case "--months" -> months = args[i + 1];
                case "--format" -> format = args[i + 1];
                case "--seed" -> seed = Long.parseLong(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (out == null || !(format.equals("legacy") || format.equals("cur2"))) {
            System.err.println("usage: java CurGenerator.java --out DIR [--rows N] [--files F] [--months 2024-01,2024-02] [--format legacy|cur2] [--seed S]");
            System.exit(2);
        }
        String[] ms = months.split(",");
        long perFile = Math.max(1, rows / ((long) ms.length * files));
        CurGenerator g = new CurGenerator(seed, format.equals("cur2"));
        for (String m : ms) {
            YearMonth month = YearMonth.parse(m.strip());
            Path dir = Files.createDirectories(out.resolve(month.toString()));
            for (int f = 1; f <= files; f++) {
                Path file = dir.resolve(String.format("cur-%05d.csv.gz", f));
                try (Writer w = gzip(file)) {
                    g.writeFile(w, month, perFile, f == 1);
                }
            }
        }
        System.out.println("wrote " + rows + " rows in " + (ms.length * files) + " file(s) under " + out);
    }

    private static Writer gzip(Path file) throws IOException {
        OutputStream raw = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20);
        // level 1: the files are for reading back; speed matters more than size
        GZIPOutputStream z = new GZIPOutputStream(raw, 1 << 16) {
            {
                def.setLevel(Deflater.BEST_SPEED);
            }
        };
        return new OutputStreamWriter(z, StandardCharsets.UTF_8);
    }

    private void writeFile(Writer w, YearMonth month, long rows, boolean monthly) throws IOException {
        header(w);
        String start = month.atDay(1) + "T00:00:00.000Z";
        String end = month.plusMonths(1).atDay(1) + "T00:00:00.000Z";
        long written = 0;
        if (monthly) written += commitments(w, month, start, end);
        int days = month.lengthOfMonth();
        while (written < rows) {
            int r = random.nextInt(1000);
            LocalDate day = month.atDay(1 + random.nextInt(days));
            int hour = random.nextInt(24);
            String from = day + String.format("T%02d:00:00.000Z", hour);
            String to = hour == 23 ? day.plusDays(1) + "T00:00:00.000Z" : day + String.format("T%02d:00:00.000Z", hour + 1);
            if (r < 40) {
                written += usage(w, month, start, end, from, to, "DiscountedUsage");
            } else if (r < 80) {
                written += usage(w, month, start, end, from, to, "SavingsPlanCoveredUsage");
            } else if (r < 84) {
                written += adjustment(w, month, start, end, "Credit", "-" + money(random.nextInt(5000) / 100.0), "AWS Promotional credit");
            } else if (r < 88) {
                written += adjustment(w, month, start, end, "BundledDiscount", "-" + money(random.nextInt(300) / 1000.0), "Free tier bundled discount");
            } else if (r < 90) {
                written += adjustment(w, month, start, end, "Refund", "-" + money(random.nextInt(2000) / 100.0), "Refund for service credit");
            } else if (r < 93) {
                written += adjustment(w, month, start, end, "Tax", money(random.nextInt(1000) / 100.0), "Tax for product code AmazonEC2");
            } else {
                written += usage(w, month, start, end, from, to, "Usage");
            }
        }
    }

    /** The month's commitment fees: one Reserved Instance fee, one Savings Plan fee, an upfront fee each. */
    private long commitments(Writer w, YearMonth month, String start, String end) throws IOException {
        String account = ACCOUNTS[0];
        int hours = month.lengthOfMonth() * 24;
        clear(month, start, end, account, "RIFee", start, end);
        product(PRODUCTS.get(0), 0);
        set("lineItem/UsageType", "HeavyUsage:m5.large");
        set("lineItem/UsageAmount", Integer.toString(hours));
        set("lineItem/UnblendedRate", "0.06");
        cost(new BigDecimal("0.06").multiply(BigDecimal.valueOf(hours)));
        set("lineItem/LineItemDescription", "USD 0.06 hourly fee per Linux/UNIX (Amazon VPC), m5.large instance");
        set("pricing/RateCode", "RIFEE.M5L");
        set("reservation/ReservationARN", riArn());
        set("reservation/TotalReservedUnits", Integer.toString(hours));
        set("reservation/UnusedQuantity", "37");
        set("reservation/UnusedAmortizedUpfrontFeeForBillingPeriod", "1.23");
        set("reservation/UnusedRecurringFee", "2.22");
        emit(w);
        clear(month, start, end, account, "SavingsPlanRecurringFee", start, end);
        set("lineItem/ProductCode", "ComputeSavingsPlans");
        set("product/ProductName", "Savings Plans for AWS Compute usage");
        set("lineItem/UsageType", "ComputeSP:1yrNoUpfront");
        set("lineItem/UsageAmount", Integer.toString(hours));
        set("lineItem/UnblendedRate", "0.5");
        BigDecimal commitment = new BigDecimal("0.5").multiply(BigDecimal.valueOf(hours));
        cost(commitment);
        set("lineItem/LineItemDescription", "1 year No Upfront Compute Savings Plan");
        set("product/sku", "SPSKU.NOUPFRONT");
        set("pricing/RateCode", "SPSKU.NOUPFRONT.RECURRING");
        set("savingsPlan/SavingsPlanARN", spArn());
        set("savingsPlan/TotalCommitmentToDate", commitment.toPlainString());
        set("savingsPlan/UsedCommitment", commitment.multiply(new BigDecimal("0.93")).setScale(10, RoundingMode.HALF_UP).toPlainString());
        emit(w);
        if (month.getMonthValue() % 3 == 1) {
            clear(month, start, end, account, "Fee", start, month.plusYears(1).atDay(1) + "T00:00:00.000Z");
            product(PRODUCTS.get(0), 0);
            set("lineItem/UsageType", "HeavyUsage:m5.large");
            set("lineItem/UsageAmount", "1");
            set("lineItem/UnblendedRate", "350");
            cost(new BigDecimal("350"));
            set("lineItem/LineItemDescription", "Sign up charge for subscription: ri-upfront, planId: 42");
            set("pricing/RateCode", "RIUPFRONT.M5L");
            set("pricing/unit", "Quantity");
            set("reservation/ReservationARN", riArn());
            set("reservation/TotalReservedUnits", "8760");
            emit(w);
            clear(month, start, end, account, "SavingsPlanUpfrontFee", start, start);
            set("lineItem/ProductCode", "ComputeSavingsPlans");
            set("product/ProductName", "Savings Plans for AWS Compute usage");
            set("lineItem/UsageType", "ComputeSP:1yrAllUpfront");
            set("lineItem/UsageAmount", "1");
            set("lineItem/UnblendedRate", "1200");
            cost(new BigDecimal("1200"));
            set("lineItem/LineItemDescription", "1 year All Upfront Compute Savings Plan");
            set("product/sku", "SPSKU.ALLUPFRONT");
            set("pricing/RateCode", "SPSKU.ALLUPFRONT.FEE");
            set("pricing/unit", "Quantity");
            set("savingsPlan/SavingsPlanARN", spArn().replace("sp-0001", "sp-0002"));
            emit(w);
            return 4;
        }
        return 2;
    }

    private int usage(Writer w, YearMonth month, String start, String end, String from, String to, String type) throws IOException {
        boolean covered = !type.equals("Usage");
        int pi = covered ? random.nextInt(2) : random.nextInt(PRODUCTS.size());
        Product p = PRODUCTS.get(pi);
        int regionIndex = random.nextInt(REGIONS.length);
        String account = ACCOUNTS[random.nextInt(ACCOUNTS.length)];
        clear(month, start, end, account, type, from, to);
        product(p, regionIndex);
        BigDecimal amount = amount(p);
        BigDecimal rate = new BigDecimal(p.rate());
        BigDecimal onDemand = rate.multiply(amount).setScale(10, RoundingMode.HALF_UP);
        set("lineItem/UsageAmount", amount.toPlainString());
        set("pricing/publicOnDemandRate", p.rate());
        set("pricing/publicOnDemandCost", onDemand.toPlainString());
        set("lineItem/AvailabilityZone", p.instance().isEmpty() ? "" : REGIONS[regionIndex] + "abc".charAt(random.nextInt(3)));
        if (!p.resource().isEmpty()) {
            set("lineItem/ResourceId", p.resource().replace("REGION", REGIONS[regionIndex]).replace("ACCOUNT", account)
                    + Long.toHexString(random.nextLong(1L << 40)));
        }
        String team = TEAMS[random.nextInt(TEAMS.length)];
        set("resourceTags/user:team", team);
        set("resourceTags/user:env", random.nextInt(3) == 0 ? "dev" : "prod");
        set("resourceTags/aws:createdBy", random.nextInt(4) == 0 ? "IAMUser:AIDA:deploy" : "");
        boolean spot = type.equals("Usage") && !p.instance().isEmpty() && random.nextInt(10) == 0;
        switch (type) {
            case "DiscountedUsage" -> {
                set("lineItem/UnblendedRate", "0");
                cost(BigDecimal.ZERO);
                set("pricing/term", "Reserved");
                set("reservation/ReservationARN", riArn());
                set("reservation/EffectiveCost", new BigDecimal("0.06").multiply(amount).setScale(10, RoundingMode.HALF_UP).toPlainString());
                set("lineItem/LineItemDescription", "USD 0.06 hourly fee per Linux/UNIX (Amazon VPC), " + p.instance() + " reserved instance applied");
            }
            case "SavingsPlanCoveredUsage" -> {
                set("lineItem/UnblendedRate", p.rate());
                cost(onDemand);
                set("savingsPlan/SavingsPlanARN", spArn());
                set("savingsPlan/SavingsPlanRate", rate.multiply(new BigDecimal("0.72")).toPlainString());
                set("savingsPlan/SavingsPlanEffectiveCost", onDemand.multiply(new BigDecimal("0.72")).setScale(10, RoundingMode.HALF_UP).toPlainString());
                set("lineItem/LineItemDescription", "$" + p.rate() + " per On Demand Linux " + p.instance() + " Instance Hour");
                emit(w);
                // the negation row that cancels the covered usage's on-demand cost
                set("identity/LineItemId", nextId());
                set("lineItem/LineItemType", "SavingsPlanNegation");
                set("lineItem/UnblendedRate", "-" + p.rate());
                cost(onDemand.negate());
                set("lineItem/UsageAmount", "0");
                set("savingsPlan/SavingsPlanRate", "");
                set("savingsPlan/SavingsPlanEffectiveCost", "");
                set("lineItem/LineItemDescription", "SavingsPlanNegation used by AccountId : " + account + " and UsageSku : " + get("product/sku"));
                emit(w);
                return 2;
            }
            default -> {
                BigDecimal charged = spot ? rate.multiply(new BigDecimal("0.35")) : rate;
                set("lineItem/UnblendedRate", charged.toPlainString());
                cost(charged.multiply(amount).setScale(10, RoundingMode.HALF_UP));
                set("pricing/term", spot ? "Spot" : "OnDemand");
                if (spot) set("lineItem/UsageType", "SpotUsage:" + p.instance());
                set("lineItem/LineItemDescription", "$" + charged.stripTrailingZeros().toPlainString() + " per " + p.unit() + " for " + p.usageType());
            }
        }
        emit(w);
        return 1;
    }

    private int adjustment(Writer w, YearMonth month, String start, String end, String type, String amount, String description)
            throws IOException {
        String from = type.equals("Refund") ? month.minusMonths(1).atDay(1) + "T00:00:00.000Z" : start;
        String to = type.equals("Refund") ? start : end;
        clear(month, start, end, ACCOUNTS[random.nextInt(ACCOUNTS.length)], type, from, to);
        Product p = PRODUCTS.get(random.nextInt(PRODUCTS.size()));
        set("lineItem/ProductCode", p.code());
        set("product/ProductName", p.name());
        set("lineItem/UsageAmount", type.equals("Tax") ? "1" : "0");
        set("lineItem/TaxType", type.equals("Tax") ? "VAT" : "");
        cost(new BigDecimal(amount));
        set("lineItem/LineItemDescription", description);
        emit(w);
        return 1;
    }

    private void clear(YearMonth month, String start, String end, String account, String type, String from, String to) {
        java.util.Arrays.fill(row, "");
        set("identity/LineItemId", nextId());
        set("identity/TimeInterval", from.replace(".000", "") + "/" + to.replace(".000", ""));
        set("bill/InvoiceId", "EUINAWS" + month.toString().replace("-", ""));
        set("bill/InvoicingEntity", "Amazon Web Services, Inc.");
        set("bill/BillingEntity", "AWS");
        set("bill/BillType", "Anniversary");
        set("bill/PayerAccountId", PAYER);
        set("bill/BillingPeriodStartDate", start);
        set("bill/BillingPeriodEndDate", end);
        set("lineItem/UsageAccountId", account);
        set("lineItem/LineItemType", type);
        set("lineItem/UsageStartDate", from);
        set("lineItem/UsageEndDate", to);
        set("lineItem/CurrencyCode", "USD");
        set("lineItem/LegalEntity", "Amazon Web Services, Inc.");
        set("pricing/currency", "USD");
    }

    private void product(Product p, int regionIndex) {
        set("lineItem/ProductCode", p.code());
        set("lineItem/UsageType", p.usageType());
        set("lineItem/Operation", p.code().equals("AmazonEC2") ? "RunInstances" : "");
        set("product/ProductName", p.name());
        set("product/productFamily", p.instance().isEmpty() ? "Storage" : "Compute Instance");
        set("product/instanceType", p.instance());
        set("product/operatingSystem", p.instance().isEmpty() ? "" : "Linux");
        set("product/region", p.code().equals("AmazonCloudFront") ? "global" : REGIONS[regionIndex]);
        set("product/location", LOCATIONS[regionIndex]);
        set("product/sku", "SKU" + Integer.toHexString((p.code() + p.usageType() + regionIndex).hashCode() & 0xffffff).toUpperCase());
        set("pricing/RateCode", get("product/sku") + ".JRTCKXETXF.6YS6EN2CT7");
        set("pricing/unit", p.unit());
    }

    private BigDecimal amount(Product p) {
        return switch (p.unit()) {
            case "Hrs" -> BigDecimal.ONE;
            case "GB-Mo" -> BigDecimal.valueOf(random.nextInt(1, 500_000), 6);
            case "GB" -> BigDecimal.valueOf(random.nextInt(1, 10_000_000), 6);
            default -> BigDecimal.valueOf(random.nextInt(1, 5_000_000));
        };
    }

    private void cost(BigDecimal c) {
        String s = c.setScale(10, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
        set("lineItem/UnblendedCost", s);
        set("lineItem/BlendedCost", s);
        set("lineItem/BlendedRate", get("lineItem/UnblendedRate"));
    }

    private static String money(double d) {
        return BigDecimal.valueOf(d).setScale(2, RoundingMode.HALF_UP).toPlainString();
    }

    private String riArn() {
        return "arn:aws:ec2:us-east-1:" + PAYER + ":reserved-instances/ri-0001";
    }

    private String spArn() {
        return "arn:aws:savingsplans::" + PAYER + ":savingsplan/sp-0001";
    }

    private String nextId() {
        return Long.toString(++id, 36) + Long.toHexString(random.nextLong() & 0xffffffffffL);
    }

    private static int index(String column) {
        for (int i = 0; i < LEGACY.length; i++) if (LEGACY[i].equals(column)) return i;
        throw new IllegalArgumentException(column);
    }

    private void set(String column, String value) {
        row[index(column)] = value;
    }

    private String get(String column) {
        return row[index(column)];
    }

    private void header(Writer w) throws IOException {
        String[] names = cur2 ? CUR2 : LEGACY;
        w.write(String.join(",", names));
        w.write('\n');
    }

    private void emit(Writer w) throws IOException {
        StringBuilder line = new StringBuilder(640);
        int first = cur2 ? LEGACY.length - 3 : LEGACY.length;
        for (int i = 0; i < first; i++) {
            if (i > 0) line.append(',');
            csv(line, row[i]);
        }
        if (cur2) {
            line.append(',');
            csv(line, "{\"product_family\":\"" + get("product/productFamily") + "\",\"location\":\"" + get("product/location")
                    + "\",\"instance_type\":\"" + get("product/instanceType") + "\",\"operating_system\":\"" + get("product/operatingSystem") + "\"}");
            line.append(',');
            StringBuilder tags = new StringBuilder("{");
            for (String t : new String[] {"user:team", "user:env", "aws:createdBy"}) {
                String v = get("resourceTags/" + t);
                if (v.isEmpty()) continue;
                if (tags.length() > 1) tags.append(',');
                tags.append('"').append(t.replace(':', '_')).append("\":\"").append(v).append('"');
            }
            csv(line, tags.append('}').toString());
            line.append(',');
            csv(line, "{\"cost-center\":\"" + (get("resourceTags/user:team").isEmpty() ? "shared" : "cc-" + get("resourceTags/user:team")) + "\"}");
            line.append(",Acme Payer,acme-").append(get("lineItem/UsageAccountId").substring(8));
        }
        line.append('\n');
        w.write(line.toString());
    }

    private static void csv(StringBuilder line, String v) {
        if (v.indexOf(',') >= 0 || v.indexOf('"') >= 0) {
            line.append('"').append(v.replace("\"", "\"\"")).append('"');
        } else {
            line.append(v);
        }
    }
}
