import type { SinyalServer } from '../../api/server';
import type { AuditDrops } from './auditDrops';
import type { AuctionFeatureOptions } from './options';
import type { BidRateLimit } from './rules';
import type { AuctionStore } from './store';

/** What the auction's command, routes and lifecycle share, assembled once by `auctionFeature`. */
export interface AuctionContext {
  store: AuctionStore;
  /** The store appends the room's events itself (see `AuctionStore.appendsRoomEvents`). */
  storeAppendsRoomEvents: boolean;
  bidRateLimit: BidRateLimit;
  /** Most entries kept per auction's audit trail (`AuctionFeatureOptions.auditLimit`). */
  auditLimit: number;
  /** Counts audit entries dropped to keep the cap, and attempts not written (for /metrics). */
  auditDrops: AuditDrops;
  recentBids: number;
  extendWithinMs: number;
  extendByMs: number;
  timerSyncIntervalMs: number;
  biddersCoalesceMs: number;
  authorize: AuctionFeatureOptions['authorize'];
  now(): number;
  report(error: unknown): void;
  /** The running server; `undefined` before `start` and after `stop`. */
  server: SinyalServer | undefined;
}

/** Room of an auction. */
export const auctionRoom = (auctionId: string): string => `auction:${auctionId}`;
