import { RETRYABLE_ERROR_CODES } from '@sinyal/protocol';
import type { Logger } from './logger';
import type { CommandOutcome, Store } from './store/types';

/**
 * Makes commands idempotent: the first run of a key executes and its outcome is saved
 * in the store for `windowMs`; a repeat within the window gets the saved outcome, and a
 * repeat while the first is still running waits for it. Outcomes with a retryable code
 * (`internal`, `unavailable`, `rate_limited`, `timeout`) are not saved: the client is
 * told retrying may help, so a retry must actually run; neither are refusals a handler
 * marked `transient` (a condition that may pass, such as "join the room first").
 */
export class Deduper {
  private readonly running = new Map<string, Promise<CommandOutcome>>();

  constructor(
    private readonly store: Store,
    private readonly windowMs: number,
    private readonly logger: Logger,
  ) {}

  run(key: string, execute: () => Promise<CommandOutcome>): Promise<CommandOutcome> {
    const inFlight = this.running.get(key);
    if (inFlight) return inFlight;
    // Registered before the first await so a concurrent duplicate cannot slip past the store lookup.
    const result = this.lookupOrExecute(key, execute).finally(() => this.running.delete(key));
    this.running.set(key, result);
    return result;
  }

  private async lookupOrExecute(key: string, execute: () => Promise<CommandOutcome>): Promise<CommandOutcome> {
    let saved: CommandOutcome | undefined;
    try {
      saved = await this.store.getCommandResult(key);
    } catch (err) {
      this.logger.error({ err }, 'store failed to read a command result');
      return { ok: false, code: 'unavailable', msg: 'store unavailable' };
    }
    if (saved) return saved;
    const outcome = await execute();
    if (outcome.ok || (!RETRYABLE_ERROR_CODES.includes(outcome.code) && !outcome.transient)) {
      try {
        await this.store.saveCommandResult(key, outcome, this.windowMs);
      } catch (err) {
        // The command ran; answering it matters more than remembering the answer.
        this.logger.error({ err }, 'store failed to save a command result');
      }
    }
    return outcome;
  }
}

/** Dedupe key of a command: ids are unique per user, not globally. */
export function commandKey(userId: string, commandId: string): string {
  return `${userId.length}:${userId}:${commandId}`;
}
