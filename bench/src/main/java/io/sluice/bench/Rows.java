package io.sluice.bench;

import java.time.LocalDate;
import java.util.SplittableRandom;

/**
 * Writes billing/log-like rows, as CSV or as JSON lines, straight into a byte buffer: no String.format and no
 * per-field allocation, so generating gigabytes is bound by the disk, not by formatting. Both forms draw the
 * same values from the same seed.
 */
final class Rows {
    static final String HEADER =
            "id,ts,account_id,region,service,usage_type,resource_id,quantity,amount,currency,status,note\n";
    private static final String[] NAMES = HEADER.strip().split(",");
    /** What a JSON line writes before each field: '{"id":', ',"ts":', ... */
    private static final byte[][] KEYS = new byte[NAMES.length][];

    private static final byte[][] REGIONS = bytes("us-east-1", "us-west-2", "eu-west-1", "eu-central-1",
            "ap-southeast-1", "ap-northeast-1", "sa-east-1", "ca-central-1");
    private static final byte[][] SERVICES = bytes("AmazonEC2", "AmazonS3", "AmazonRDS", "AWSLambda",
            "AmazonDynamoDB", "AmazonCloudFront", "AmazonEKS", "AmazonSQS", "AmazonSNS", "AWSGlue");
    private static final byte[][] USAGE = bytes("BoxUsage:m5.large", "BoxUsage:c6g.xlarge", "TimedStorage-ByteHrs",
            "Requests-Tier1", "Requests-Tier2", "DataTransfer-Out-Bytes", "InstanceUsage:db.r6g.large",
            "Lambda-GB-Second", "ReadCapacityUnit-Hrs", "WriteCapacityUnit-Hrs", "EBS:VolumeUsage.gp3",
            "NatGateway-Hours");
    private static final byte[][] CURRENCIES = bytes("USD", "USD", "USD", "EUR");
    private static final byte[][] STATUS = bytes("200", "200", "200", "200", "201", "204", "400", "404", "500");
    private static final byte[][] NOTES = bytes("", "", "", "monthly", "reserved instance", "savings plan",
            "credit applied", "tax", "support fee");
    private static final byte[] NULL = "null".getBytes();
    private static final byte[] ACCT = "acct-".getBytes();
    private static final byte[] HEX = "0123456789abcdef".getBytes();
    /** "yyyy-MM-dd " for each day of 2025, so a timestamp costs one copy plus six digits. */
    private static final byte[][] DAYS = new byte[365][];

    static {
        for (int i = 0; i < NAMES.length; i++) {
            KEYS[i] = ((i == 0 ? "{" : ",") + '"' + NAMES[i] + "\":").getBytes();
        }
        LocalDate d = LocalDate.of(2025, 1, 1);
        for (int i = 0; i < DAYS.length; i++, d = d.plusDays(1)) {
            DAYS[i] = (d + " ").getBytes();
        }
    }

    private final SplittableRandom random;
    private final boolean json;
    final byte[] buf;
    int pos;

    /** CSV rows (the caller writes {@link #HEADER}). */
    Rows(long seed, int capacity) {
        this(seed, capacity, false);
    }

    /** CSV rows, or JSON lines with the header's names as keys when {@code json}. */
    Rows(long seed, int capacity, boolean json) {
        this.random = new SplittableRandom(seed);
        this.buf = new byte[capacity];
        this.json = json;
    }

    /**
     * Appends one row; the caller flushes when {@code pos} passes its threshold (a CSV row is under 256 bytes,
     * a JSON line under 512).
     */
    void row(long id) {
        field(0);
        num(id);
        field(1);
        quote();
        long second = Math.floorMod(id * 7, 365L * 86_400);
        put(DAYS[(int) (second / 86_400)]);
        int s = (int) (second % 86_400);
        two(s / 3600);
        put((byte) ':');
        two(s / 60 % 60);
        put((byte) ':');
        two(s % 60);
        quote();
        field(2);
        quote();
        put(ACCT);
        pad(random.nextInt(50_000), 6);
        quote();
        text(3, pick(REGIONS));
        text(4, pick(SERVICES));
        text(5, pick(USAGE));
        field(6);
        quote();
        put((byte) 'r');
        put((byte) '-');
        long r = random.nextLong();
        for (int i = 0; i < 12; i++, r >>>= 4) {
            put(HEX[(int) (r & 15)]);
        }
        quote();
        field(7);
        num(random.nextInt(10_000));
        field(8);
        amount();
        text(9, pick(CURRENCIES));
        field(10);
        put(pick(STATUS));
        text(11, pick(NOTES));
        if (json) {
            put((byte) '}');
        }
        put((byte) '\n');
    }

    /** What comes before field {@code i}: its key in JSON, a comma in CSV (none before the first). */
    private void field(int i) {
        if (json) {
            put(KEYS[i]);
        } else if (i > 0) {
            put((byte) ',');
        }
    }

    /** A string field (the values written never need escaping). */
    private void text(int i, byte[] value) {
        field(i);
        quote();
        put(value);
        quote();
    }

    /** A JSON string's quote; nothing in CSV. */
    private void quote() {
        if (json) {
            put((byte) '"');
        }
    }

    private void amount() {
        int p = random.nextInt(100);
        if (p < 3) {
            if (json) {
                put(NULL); // a missing cost
            }
            return; // CSV: empty, read as NULL
        }
        if (p < 8) {
            put((byte) '-'); // credits and refunds
        }
        int scale = 2 + random.nextInt(3);
        num(random.nextInt(100_000));
        put((byte) '.');
        pad(random.nextInt(scale == 2 ? 100 : scale == 3 ? 1000 : 10_000), scale);
    }

    private byte[] pick(byte[][] values) {
        return values[random.nextInt(values.length)];
    }

    private void two(int v) {
        put((byte) ('0' + v / 10));
        put((byte) ('0' + v % 10));
    }

    void num(long v) {
        if (v < 0) {
            put((byte) '-');
            v = -v;
        }
        int start = pos;
        do {
            buf[pos++] = (byte) ('0' + v % 10);
            v /= 10;
        } while (v != 0);
        reverse(start, pos - 1);
    }

    private void pad(int v, int width) {
        for (int i = pos + width - 1; i >= pos; i--, v /= 10) {
            buf[i] = (byte) ('0' + v % 10);
        }
        pos += width;
    }

    private void reverse(int i, int j) {
        for (; i < j; i++, j--) {
            byte t = buf[i];
            buf[i] = buf[j];
            buf[j] = t;
        }
    }

    void put(byte b) {
        buf[pos++] = b;
    }

    void put(byte[] b) {
        System.arraycopy(b, 0, buf, pos, b.length);
        pos += b.length;
    }

    private static byte[][] bytes(String... values) {
        byte[][] out = new byte[values.length][];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i].getBytes();
        }
        return out;
    }
}
