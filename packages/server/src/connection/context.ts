import type { Feature } from '../api/feature';
import type { CommandsContext } from '../commands/context';
import type { UserCooldowns } from '../limits/cooldowns';
import type { RateLimiter } from '../limits/rateLimiter';

/**
 * Everything a session needs from its server, assembled once by `createServer`: the
 * commands' and rooms' parts (see {@link CommandsContext}) plus what only a connection uses.
 */
export interface ServerContext extends CommandsContext {
  /** `auth.clockToleranceSec` in ms: a connection is closed this long after its token's `exp`. */
  clockToleranceMs: number;
  /** Frames per user (`limits.messagesPerSecond` / `burst`). */
  rateLimiter: RateLimiter;
  /** Users whose connection was closed for flooding, refused for `limits.floodCooldownMs`. */
  cooldowns: UserCooldowns;
  /** Features with connection hooks, called on welcome and on close. */
  features: readonly Feature[];
}
