import type { CommandDefinition } from './commands';
import type { Feature } from './feature';
import type { Deduper } from './dedupe';
import type { Logger } from './logger';
import type { Limits } from './options';
import type { PublishDeps } from './publish';
import type { MetricsSink } from './metrics';
import type { ActionRateLimiter, RateLimiter } from './rateLimiter';
import type { RecentRevocations } from './revocations';
import type { UserCooldowns } from './cooldowns';
import type { RoomRegistry } from './roomRegistry';
import type { SinyalServer } from './server';

/** Everything a session needs from its server, assembled once by `createServer`. */
export interface ServerContext extends PublishDeps {
  limits: Limits;
  /** `auth.clockToleranceSec` in ms: a connection is closed this long after its token's `exp`. */
  clockToleranceMs: number;
  /** This node's room memberships. */
  registry: RoomRegistry;
  commands: ReadonlyMap<string, CommandDefinition>;
  rateLimiter: RateLimiter;
  /** Joins per user (`limits.joinsPerSecond` / `joinBurst`). */
  joinLimiter: RateLimiter;
  /** Per-command-name limits (`ServerOptions.rateLimits`). */
  actionLimiter: ActionRateLimiter;
  /** Where sessions record Prometheus metrics (a no-op when metrics are off). */
  metrics: MetricsSink;
  deduper: Deduper;
  /** Recent `server.revoke` calls, for joins in flight. */
  revocations: RecentRevocations;
  /** Users whose connection was closed for flooding, refused for `limits.floodCooldownMs`. */
  cooldowns: UserCooldowns;
  logger: Logger;
  server: SinyalServer;
  /** Features with connection hooks, called on welcome and on close. */
  features: readonly Feature[];
}
