import { Counter, Gauge, type Registry } from 'prom-client';

/** Why an audit entry was dropped or never written. */
export type AuditDropReason = 'trimmed' | 'rate_limited' | 'forbidden';

const COUNTER = 'sinyal_auction_audit_dropped_total';
const LIMIT = 'sinyal_auction_audit_limit';

/**
 * How the auction audit trail's bound shows in /metrics: `sinyal_auction_audit_dropped_total`
 * by reason — `trimmed` (an old entry dropped to keep an auction's trail within `auditLimit`),
 * `rate_limited` (an attempt over the bidder's `bidRateLimit`, not written), `forbidden` (an
 * attempt refused by `authorize`, not written) — and `sinyal_auction_audit_limit` (the cap).
 * Counted in a plain map on the bid path, copied into the counter when scraped.
 */
export class AuditDrops {
  readonly #counts = new Map<AuditDropReason, number>();

  count(reason: AuditDropReason, n = 1): void {
    if (n > 0) this.#counts.set(reason, (this.#counts.get(reason) ?? 0) + n);
  }

  get(reason: AuditDropReason): number {
    return this.#counts.get(reason) ?? 0;
  }

  /** Registers the metrics in a server's registry (once per registry). */
  register(registry: Registry, limit: number): void {
    if (registry.getSingleMetric(COUNTER)) return;
    const counts = this.#counts;
    new Counter({
      name: COUNTER,
      help: 'Auction audit entries dropped to keep each trail within auditLimit (trimmed), and bid attempts not written (rate_limited, forbidden)',
      labelNames: ['reason'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [reason, n] of counts) this.inc({ reason }, n);
      },
    });
    new Gauge({ name: LIMIT, help: 'auditLimit: most entries kept in one auction audit trail', registers: [registry] }).set(limit);
  }
}
