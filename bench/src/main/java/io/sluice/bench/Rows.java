package io.sluice.bench;

import java.time.LocalDate;
import java.util.SplittableRandom;

/**
 * Writes billing/log-like CSV rows straight into a byte buffer: no String.format and no per-field
 * allocation, so generating gigabytes is bound by the disk, not by formatting.
 */
final class Rows {
    static final String HEADER =
            "id,ts,account_id,region,service,usage_type,resource_id,quantity,amount,currency,status,note\n";

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
    private static final byte[] ACCT = "acct-".getBytes();
    private static final byte[] HEX = "0123456789abcdef".getBytes();
    /** "yyyy-MM-dd " for each day of 2025, so a timestamp costs one copy plus six digits. */
    private static final byte[][] DAYS = new byte[365][];

    static {
        LocalDate d = LocalDate.of(2025, 1, 1);
        for (int i = 0; i < DAYS.length; i++, d = d.plusDays(1)) {
            DAYS[i] = (d + " ").getBytes();
        }
    }

    private final SplittableRandom random;
    final byte[] buf;
    int pos;

    Rows(long seed, int capacity) {
        this.random = new SplittableRandom(seed);
        this.buf = new byte[capacity];
    }

    /** Appends one row; the caller flushes when {@code pos} passes its threshold (a row is under 256 bytes). */
    void row(long id) {
        num(id);
        comma();
        long second = Math.floorMod(id * 7, 365L * 86_400);
        put(DAYS[(int) (second / 86_400)]);
        int s = (int) (second % 86_400);
        two(s / 3600);
        put((byte) ':');
        two(s / 60 % 60);
        put((byte) ':');
        two(s % 60);
        comma();
        put(ACCT);
        pad(random.nextInt(50_000), 6);
        comma();
        put(pick(REGIONS));
        comma();
        put(pick(SERVICES));
        comma();
        put(pick(USAGE));
        comma();
        put((byte) 'r');
        put((byte) '-');
        long r = random.nextLong();
        for (int i = 0; i < 12; i++, r >>>= 4) {
            put(HEX[(int) (r & 15)]);
        }
        comma();
        num(random.nextInt(10_000));
        comma();
        amount();
        comma();
        put(pick(CURRENCIES));
        comma();
        put(pick(STATUS));
        comma();
        put(pick(NOTES));
        put((byte) '\n');
    }

    private void amount() {
        int p = random.nextInt(100);
        if (p < 3) {
            return; // empty: a missing cost, read as NULL
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

    private void comma() {
        put((byte) ',');
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
