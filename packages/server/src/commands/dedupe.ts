import { sleep } from '../time';
import { RETRYABLE_ERROR_CODES } from '@sinyal/protocol';
import { runInCommandScope } from './commandScope';
import type { Logger } from '../ops/logger';
import { CommandsInFlight } from './inFlight';
import { OutcomeBudget, type OutcomeBudgetLimits } from './outcomeBudget';
import { DEFAULT_LIMITS } from '../api/limits';
import { type OutcomeBudgetStats } from '../ops/metrics';
import type { CommandOutcome, Store } from '../store/types';

/** How long a duplicate waits for the same command running on another node before answering `unavailable`. */
const WAIT_FOR_OTHER_NODE_MS = 5000;

/**
 * The outcomes kept in this process for stores that keep none, one memory per store
 * instance: a server started again in the same process with the same store answers the
 * retries of commands it answered before, as it resumes their rooms' history (and servers
 * sharing a store instance share what it remembers, as a store's own records would be).
 */
const keptOutcomes = new WeakMap<Store, OutcomeBudget>();

/**
 * Makes commands idempotent: the first run of a key executes and its outcome is remembered
 * for `windowMs`; a repeat within the window gets the remembered outcome, and a repeat
 * while the first is still running waits for it. Outcomes with a retryable code
 * (`internal`, `unavailable`, `rate_limited`, `timeout`) are not remembered: the client is
 * told retrying may help, so a retry must actually run; neither are refusals a handler
 * marked `transient` (a condition that may pass, such as "join the room first").
 *
 * Where outcomes are remembered depends on the store. One with `getCommandResult` /
 * `saveCommandResult` (Redis) keeps them, so nodes sharing it and a restarted node answer a
 * retry. One without them (`MemoryStore`) leaves them to this process: they are kept in the
 * {@link OutcomeBudget} itself, one record per command, looked up and saved without a
 * promise (this is on every command's path), and belong to the store instance (see
 * `keptOutcomes`), so they last as long as its history does.
 *
 * With a store shared by several nodes (`claimCommand`), the first run claims the key in
 * the store, so a duplicate arriving on another node at the same time waits for the
 * outcome instead of executing; if it waits too long it is answered `unavailable`
 * (retryable: the client sends it again later).
 *
 * What is remembered is bounded in bytes, per user and in total ({@link OutcomeBudget}):
 * past a bound the oldest outcomes are forgotten early (counted in /metrics), so a retry
 * of one of those would run again — keep the bounds above what clients have in flight.
 */
export class Deduper {
  private readonly running = new CommandsInFlight();
  private readonly budget: OutcomeBudget | undefined;
  /** Whether outcomes are kept in {@link Deduper.budget} (the store keeps none). */
  private readonly keptHere: boolean;

  /** @param budget the bounds of what is remembered; a store that keeps no outcomes gets the defaults without it. */
  constructor(
    private readonly store: Store,
    private readonly windowMs: number,
    private readonly logger: Logger,
    budget?: OutcomeBudgetLimits,
  ) {
    const get = typeof store.getCommandResult === 'function';
    if (get !== (typeof store.saveCommandResult === 'function')) {
      throw new TypeError('a store implements both getCommandResult and saveCommandResult, or neither (the server then keeps outcomes in memory)');
    }
    this.keptHere = !get;
    if (this.keptHere && store.claimCommand) throw new TypeError('a store with claimCommand also implements getCommandResult and saveCommandResult');
    if (this.keptHere) {
      const limits = budget ?? DEFAULT_LIMITS;
      this.budget = keptOutcomes.get(store);
      if (this.budget) this.budget.configure(limits, windowMs);
      else keptOutcomes.set(store, (this.budget = new OutcomeBudget(limits, windowMs)));
      return;
    }
    // A store that cannot forget an outcome early cannot be held to a budget.
    const forget = store.forgetCommandResult?.bind(store);
    this.budget = budget && forget
      ? new OutcomeBudget(budget, windowMs, (id, owner) => void forget(commandKey(owner, id)).catch((err: unknown) => logger.error({ err }, 'store failed to forget a command result')))
      : undefined;
  }

  /** Sizes of the remembered outcomes (undefined when the store has no budget). */
  stats(): OutcomeBudgetStats | undefined {
    return this.budget?.stats();
  }

  /**
   * Runs `execute` for command `commandId` of user `owner` unless it ran within the window.
   * `onWait` is called when, instead of running, the call waits for the same command running
   * elsewhere (another connection or node): the caller's later work need not wait.
   */
  run(owner: string, commandId: string, execute: () => Promise<CommandOutcome>, onWait?: () => void): Promise<CommandOutcome> {
    const key = commandKey(owner, commandId);
    const inFlight = this.running.get(key);
    if (inFlight) {
      onWait?.();
      return inFlight;
    }
    if (this.keptHere) {
      const saved = this.budget!.get(commandId, owner);
      if (saved) return Promise.resolve(saved);
    }
    // Registered before the first await so a concurrent duplicate cannot slip past the lookup.
    // The entry is removed when the run settles: inside executeHere (try/finally, so the
    // MemoryStore path, on every command, makes no promise beyond its own), and by `.finally`
    // on the store path, which awaits the store anyway.
    const result = this.keptHere
      ? this.executeHere(key, owner, commandId, execute)
      : this.lookupOrExecute(key, owner, commandId, execute, onWait).finally(() => this.running.delete(key));
    this.running.set(key, result);
    return result;
  }

  /** Runs a command whose outcome is kept in this process (looked up already by {@link Deduper.run}). */
  private async executeHere(key: string, owner: string, commandId: string, execute: () => Promise<CommandOutcome>): Promise<CommandOutcome> {
    try {
      const outcome = await execute();
      if (worthRemembering(outcome)) this.budget!.keep(commandId, owner, outcome);
      return outcome;
    } finally {
      this.running.delete(key);
    }
  }

  private async lookupOrExecute(key: string, owner: string, commandId: string, execute: () => Promise<CommandOutcome>, onWait?: () => void): Promise<CommandOutcome> {
    if (this.store.claimCommand) return this.claimOrWait(key, owner, commandId, execute, onWait);
    let saved: CommandOutcome | undefined;
    try {
      saved = await this.store.getCommandResult!(key);
    } catch (err) {
      this.logger.error({ err }, 'store failed to read a command result');
      return { ok: false, code: 'unavailable', msg: 'store unavailable' };
    }
    if (saved) return saved;
    const outcome = await execute();
    await this.remember(key, owner, commandId, outcome);
    return outcome;
  }

  private async claimOrWait(key: string, owner: string, commandId: string, execute: () => Promise<CommandOutcome>, onWait?: () => void): Promise<CommandOutcome> {
    const deadline = Date.now() + WAIT_FOR_OTHER_NODE_MS;
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      let claim;
      try {
        claim = await this.store.claimCommand!(key);
      } catch (err) {
        this.logger.error({ err }, 'store failed to claim a command');
        return { ok: false, code: 'unavailable', msg: 'store unavailable', retryAfterMs: 1000 };
      }
      if (claim.status === 'done') return claim.outcome;
      if (claim.status === 'claimed') {
        const outcome = await runInCommandScope({ key, token: claim.token, windowMs: this.windowMs }, execute);
        if (!(await this.remember(key, owner, commandId, outcome))) {
          await this.store.releaseCommand?.(key, claim.token).catch((err: unknown) => this.logger.error({ err }, 'store failed to release a command'));
        }
        return outcome;
      }
      if (Date.now() >= deadline) return { ok: false, code: 'unavailable', msg: 'the same command is still running', retryAfterMs: 1000 };
      onWait?.();
      await sleep(delay);
    }
  }

  /** Saves an outcome worth remembering in the store; false when it is not to be remembered. */
  private async remember(key: string, owner: string, commandId: string, outcome: CommandOutcome): Promise<boolean> {
    if (!worthRemembering(outcome)) return false;
    const kept = this.budget?.admit(commandId, owner, outcome);
    try {
      if (kept) await this.store.saveCommandResult!(key, kept.outcome, this.windowMs, kept.json);
      else await this.store.saveCommandResult!(key, outcome, this.windowMs);
    } catch (err) {
      // The command ran; answering it matters more than remembering the answer.
      this.logger.error({ err }, 'store failed to save a command result');
    }
    return true;
  }
}

/** Whether a retry of the command should get this outcome (not a retryable failure, nor a transient refusal). */
function worthRemembering(outcome: CommandOutcome): boolean {
  return outcome.ok || !(RETRYABLE_ERROR_CODES.includes(outcome.code) || outcome.transient);
}

/** Dedupe key of a command: ids are unique per user, not globally. */
export function commandKey(userId: string, commandId: string): string {
  return `${userId.length}:${userId}:${commandId}`;
}
