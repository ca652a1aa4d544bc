import type { CommandDefinition } from '../api/commands';
import type { ActionRateLimiter } from '../limits/rateLimiter';
import type { RoomsContext } from '../rooms/context';
import type { Deduper } from './dedupe';

/** What running a command needs from the server: the rooms' part plus the command table, limits and dedupe. */
export interface CommandsContext extends RoomsContext {
  commands: ReadonlyMap<string, CommandDefinition>;
  /** Per-command-name limits (`ServerOptions.rateLimits` and the features' defaults). */
  actionLimiter: ActionRateLimiter;
  deduper: Deduper;
}
