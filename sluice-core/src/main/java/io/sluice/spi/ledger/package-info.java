/**
 * The ledger by role. A part of the engine takes only the role it needs: the planner a {@link PlanStore}, a claim loop
 * or a one-split execution {@link Claims}, a sink replacing an earlier output {@link OutputLocks}, a pool member
 * {@link WorkerPool}, {@code status}/{@code retry}/{@code reset} {@link LedgerAdmin}. A backend implements all of them
 * as one {@link io.sluice.spi.Ledger}, whose calls are each atomic on their own.
 */
package io.sluice.spi.ledger;
