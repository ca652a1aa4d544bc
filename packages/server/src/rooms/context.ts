import type { Limits } from '../api/limits';
import type { SinyalServer } from '../api/server';
import type { RateLimiter } from '../limits/rateLimiter';
import type { Logger } from '../ops/logger';
import type { MetricsSink } from '../ops/metrics';
import type { PublishDeps } from './publish';
import type { RecentRevocations } from './revocations';
import type { RoomRegistry } from './roomRegistry';

/** What joining and publishing need from the server (the rooms layer's part of its context). */
export interface RoomsContext extends PublishDeps {
  limits: Limits;
  /** This node's room memberships. */
  registry: RoomRegistry;
  /** Joins per user (`limits.joinsPerSecond` / `joinBurst`). */
  joinLimiter: RateLimiter;
  /** Replay bytes per user (`limits.replayBytesPerSecond`), spent by the bytes each join replays. */
  replayBudget: RateLimiter;
  /** Recent `server.revoke` calls, for joins in flight. */
  revocations: RecentRevocations;
  /** Where Prometheus metrics are recorded (a no-op when metrics are off). */
  metrics: MetricsSink;
  logger: Logger;
  server: SinyalServer;
}
