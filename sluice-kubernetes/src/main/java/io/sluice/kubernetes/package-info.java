/**
 * Sluice on Kubernetes: the manifests {@code sluice k8s generate} writes and {@code apply} applies, and the
 * {@code kubernetes} runner that starts one Job per claimable split and records each attempt in the ledger.
 */
package io.sluice.kubernetes;
