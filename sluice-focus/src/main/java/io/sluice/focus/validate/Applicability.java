package io.sluice.focus.validate;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The applicability criteria of the requirements model say which conditional rules apply ("when the provider
 * supports commitment discounts"). A dataset cannot state them, so they are asserted by the caller (a mapping
 * declares its own) or inferred: a criterion holds when the dataset has the column it governs.
 */
public final class Applicability {
    /** The column whose presence shows the provider supports the criterion. */
    static final Map<String, String> EVIDENCE = evidence();

    private Applicability() {}

    /** Every criterion of the version's model. */
    public static Set<String> all(String version) {
        return RulesModel.of(version).criteria();
    }

    /** The criteria a dataset with these columns shows; {@code namedAccounts}: BillingAccountName has values. */
    public static Set<String> infer(Set<String> columns, boolean namedAccounts) {
        Set<String> out = new TreeSet<>();
        EVIDENCE.forEach((criterion, column) -> {
            if (columns.contains(column)) out.add(criterion);
        });
        if (namedAccounts) out.add("ACCOUNT_NAMING_SUPPORTED");
        return out;
    }

    private static Map<String, String> evidence() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("AVAILABILITY_ZONE_SUPPORTED", "AvailabilityZone");
        m.put("BILLING_BASED_ON_PROVISIONED_RESOURCES_SUPPORTED", "ResourceId");
        m.put("CAPACITY_RESERVATION_SUPPORTED", "CapacityReservationId");
        m.put("COMMITMENT_DISCOUNT_SUPPORTED", "CommitmentDiscountId");
        m.put("MULTIPLE_BILLING_ACCOUNT_TYPES_SUPPORTED", "BillingAccountType");
        m.put("MULTIPLE_PRICING_CATEGORIES_SUPPORTED", "PricingCategory");
        m.put("MULTIPLE_SUB_ACCOUNT_TYPES_SUPPORTED", "SubAccountType");
        m.put("NEGOTIATED_PRICING_SUPPORTED", "ContractedUnitPrice");
        m.put("PRICING_BILLING_CURRENCY_DIFFERENCES_SUPPORTED", "PricingCurrency");
        m.put("PUBLIC_PRICE_LIST_SUPPORTED", "ListUnitPrice");
        m.put("REGION_SUPPORTED", "RegionId");
        m.put("RESOURCE_TYPE_ASSIGNMENT_SUPPORTED", "ResourceType");
        m.put("SUB_ACCOUNT_SUPPORTED", "SubAccountId");
        m.put("TAGGING_SUPPORTED", "Tags");
        m.put("UNIT_PRICING_SUPPORTED", "SkuPriceId");
        m.put("USAGE_MEASUREMENT_SUPPORTED", "ConsumedQuantity");
        return m;
    }
}
