import type { SinyalServer } from '../../server';
import type { AuctionFeatureOptions } from './options';
import type { BidRateLimit } from './rules';
import type { AuctionStore } from './store';

/** What the auction's command, routes and lifecycle share, assembled once by `auctionFeature`. */
export interface AuctionContext {
  store: AuctionStore;
  /** The store appends the room's events itself (see `AuctionStore.appendsRoomEvents`). */
  storeAppendsRoomEvents: boolean;
  bidRateLimit: BidRateLimit;
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
