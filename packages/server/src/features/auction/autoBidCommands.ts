import { CancelAutoBidData, SetAutoBidData, type CancelAutoBidResult, type SetAutoBidResult } from '@sinyal/protocol/schema';
import type { CommandHandler } from '../../api/commands';
import { SinyalServerError } from '../../errors';
import type { AuctionContext } from './auctionContext';
import type { AuctionLifecycle } from './auctionLifecycle';
import { announceStep } from './bidAnnouncements';
import { invalidData, overRateLimit, rejectionError, requireBidder } from './placeBid';

/**
 * `auction:set_auto_bid { auctionId, max }`: bid for me up to `max` (proxy bidding, rules in
 * autoBidRules.ts). `authorize` as for a bid; then one atomic store step that counts against
 * the bidder's rate limit, checks the auction is active and `max` at least the minimum next
 * bid, stores the maximum and lets the auto-bids resolve — which may place a proxy bid for
 * the setter at once, or for a higher auto-bidder answering it. The step is announced like a
 * bid (bidAnnouncements.ts); the setter's feed gets `auction:auto_bid` (`set`) on every
 * device. Refusals are the bid's: `conflict` (not started / ended), `bad_request` (too low,
 * named in the message), `rate_limited`, `not_found`, `forbidden`, `invalid_frame`.
 */
export function setAutoBidCommand(ctx: AuctionContext, lifecycle: AuctionLifecycle): CommandHandler {
  return async ({ user, data }): Promise<SetAutoBidResult> => {
    const parsed = SetAutoBidData.safeParse(data);
    if (!parsed.success) throw invalidData('auction:set_auto_bid', parsed.error);
    const { auctionId, max } = parsed.data;
    await requireBidder(ctx, user, auctionId);
    const outcome = await ctx.store.setAutoBid({ auctionId, userId: user.id, max, now: ctx.now(), rateLimit: ctx.bidRateLimit, auditLimit: ctx.auditLimit });
    if (!outcome) throw new SinyalServerError('not_found', `auction "${auctionId}" does not exist`);
    ctx.auditDrops.count('trimmed', outcome.trimmed);
    if (!outcome.accepted) {
      if (outcome.reason === 'rate_limited') throw overRateLimit(ctx, outcome.retryAfterMs ?? 1000);
      if (outcome.reason === 'ended') lifecycle.finish(auctionId).catch(ctx.report);
      throw rejectionError(auctionId, outcome, 'auto-bid maximum');
    }
    await ctx.server?.publishToUser(user.id, 'auction:auto_bid', { auctionId, autoBid: { max: outcome.autoBid.max, active: true }, reason: 'set' });
    await announceStep(ctx, lifecycle, { auctionId, bid: null, autoBids: outcome.autoBids });
    const proxy = outcome.autoBids.proxyBid;
    return { autoBid: outcome.autoBid, bid: proxy && proxy.userId === user.id ? proxy.bid : null };
  };
}

/**
 * `auction:cancel_auto_bid { auctionId }`: the server stops bidding for me. Bids already
 * placed stay (a leader who cancels still leads). Idempotent: `{ cancelled: false }` when
 * there was nothing to cancel. The owner's feed gets `auction:auto_bid` (`cancelled`).
 */
export function cancelAutoBidCommand(ctx: AuctionContext): CommandHandler {
  return async ({ user, data }): Promise<CancelAutoBidResult> => {
    const parsed = CancelAutoBidData.safeParse(data);
    if (!parsed.success) throw invalidData('auction:cancel_auto_bid', parsed.error);
    const { auctionId } = parsed.data;
    const outcome = await ctx.store.cancelAutoBid(auctionId, user.id, ctx.now(), ctx.auditLimit);
    if (!outcome) throw new SinyalServerError('not_found', `auction "${auctionId}" does not exist`);
    ctx.auditDrops.count('trimmed', outcome.trimmed);
    if (outcome.cancelled) await ctx.server?.publishToUser(user.id, 'auction:auto_bid', { auctionId, autoBid: null, reason: 'cancelled' });
    return { cancelled: outcome.cancelled };
  };
}
