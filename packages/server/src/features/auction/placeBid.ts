import { PlaceBidData, type PlaceBidResult } from '@sinyal/protocol/schema';
import type { AuthUser } from '../../auth/authenticator';
import type { CommandHandler } from '../../api/commands';
import { SinyalServerError } from '../../errors';
import type { AuctionContext } from './auctionContext';
import type { AuctionLifecycle } from './auctionLifecycle';
import { announceStep } from './bidAnnouncements';
import type { RejectedAttempt } from './store';

/** The nack for a refused bid (the seed's `bid_rejected`): the reason as a protocol code plus a readable message. */
export function rejectionError(auctionId: string, outcome: RejectedAttempt, what: 'bid' | 'auto-bid maximum' = 'bid'): SinyalServerError {
  switch (outcome.reason) {
    case 'not_started':
      return new SinyalServerError('conflict', `auction "${auctionId}" has not started (starts at ${new Date(outcome.startsAt).toISOString()})`, { details: { reason: 'not_started', startsAt: outcome.startsAt } });
    case 'ended':
      return new SinyalServerError('conflict', `auction "${auctionId}" has ended`, { details: { reason: 'ended' } });
    case 'too_low':
      return new SinyalServerError('bad_request', `${what} too low: the minimum is ${outcome.minNextBid}`, { details: { reason: 'too_low', minNextBid: outcome.minNextBid } });
    case 'rate_limited': {
      const retryAfterMs = outcome.retryAfterMs ?? 1000;
      return new SinyalServerError('rate_limited', `too many bids: retry in ${retryAfterMs} ms`, { retryAfterMs, details: { reason: 'rate_limited' } });
    }
    case 'forbidden':
      return new SinyalServerError('forbidden', `not allowed to bid in auction "${auctionId}"`);
    case 'invalid':
      return new SinyalServerError('bad_request', `${what === 'bid' ? 'amount' : 'max'} must be a positive whole number`);
  }
}

function rawAttempt(data: unknown): { auctionId: string | undefined; amount: number | null } {
  const raw = (typeof data === 'object' && data !== null ? data : {}) as { auctionId?: unknown; amount?: unknown };
  return {
    auctionId: typeof raw.auctionId === 'string' && raw.auctionId.length <= 128 ? raw.auctionId : undefined,
    amount: typeof raw.amount === 'number' && Number.isFinite(raw.amount) ? raw.amount : null,
  };
}

/** The refusal of a command's malformed data: `invalid_frame` naming the first problem. */
export function invalidData(command: string, error: { issues: Array<{ path: PropertyKey[]; message: string }> }): SinyalServerError {
  const issue = error.issues[0];
  return new SinyalServerError('invalid_frame', `${command}: ${issue ? `${issue.path.map(String).join('.') || 'data'}: ${issue.message}` : 'invalid data'}`);
}

/** `authorize` first: a user who may not bid in the auction writes nothing to its audit trail. */
export async function requireBidder(ctx: AuctionContext, user: AuthUser, auctionId: string): Promise<void> {
  if (!ctx.authorize || (await ctx.authorize({ user, auctionId, action: 'bid' }))) return;
  ctx.auditDrops.count('forbidden');
  throw new SinyalServerError('forbidden', `not allowed to bid in auction "${auctionId}"`);
}

/** The refusal of an attempt over the bidder's rate limit (which is not written). */
export function overRateLimit(ctx: AuctionContext, retryAfterMs: number): SinyalServerError {
  ctx.auditDrops.count('rate_limited');
  return new SinyalServerError('rate_limited', `too many bids: retry in ${retryAfterMs} ms`, { retryAfterMs, details: { reason: 'rate_limited' } });
}

/**
 * `auction:place_bid`: `authorize` first (a refused user writes nothing), then decided by
 * the store in one atomic step (`decideBid` in rules.ts: the bidder's rate limit, which
 * every attempt counts against, then the auction's status and the amount), then announced
 * in bid order (by the store itself, in that same step, when it `appendsRoomEvents`; else
 * through the auction's `BidSequencer`, see bidAnnouncements.ts) — `auction:new_bid` to the
 * room, `auction:time_extended` when it extended the end, the auto-bids' answer in the same
 * step, `auction:outbid` to whoever no longer leads — before the ack `{ accepted: true, bid }`
 * is sent. Every attempt within the rate limit lands in the audit trail (capped at
 * `auditLimit` entries per auction); malformed data too, when it names an auction.
 */
export function placeBidCommand(ctx: AuctionContext, lifecycle: AuctionLifecycle): CommandHandler {
  const limits = () => ({ rateLimit: ctx.bidRateLimit, auditLimit: ctx.auditLimit });
  return async ({ user, data }): Promise<PlaceBidResult> => {
    const parsed = PlaceBidData.safeParse(data);
    if (!parsed.success) {
      const attempt = rawAttempt(data);
      if (attempt.auctionId !== undefined) {
        await requireBidder(ctx, user, attempt.auctionId);
        const recorded = await ctx.store.recordRejectedAttempt(attempt.auctionId, { userId: user.id, amount: attempt.amount, reason: 'invalid', at: ctx.now() }, limits());
        if (recorded && !recorded.recorded) throw overRateLimit(ctx, recorded.retryAfterMs);
        if (recorded) ctx.auditDrops.count('trimmed', recorded.trimmed);
      }
      throw invalidData('auction:place_bid', parsed.error);
    }
    const { auctionId, amount } = parsed.data;
    await requireBidder(ctx, user, auctionId);

    const outcome = await ctx.store.placeBid({ auctionId, userId: user.id, amount, now: ctx.now(), ...limits() });
    if (!outcome) throw new SinyalServerError('not_found', `auction "${auctionId}" does not exist`);
    ctx.auditDrops.count('trimmed', outcome.trimmed);
    if (!outcome.accepted) {
      if (outcome.reason === 'rate_limited') throw overRateLimit(ctx, outcome.retryAfterMs ?? 1000);
      // The end timer may be late (busy event loop): close now so the end is announced promptly.
      if (outcome.reason === 'ended') lifecycle.finish(auctionId).catch(ctx.report);
      throw rejectionError(auctionId, outcome);
    }

    await announceStep(ctx, lifecycle, { auctionId, bid: outcome, autoBids: outcome.autoBids });
    return { accepted: true, bid: outcome.bid };
  };
}
