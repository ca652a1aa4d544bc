import type { AuctionAudit, AuctionJoinState, AuctionState, CreateAuctionInput } from '@sinyal/protocol/schema';
import type { AuthUser } from '../../auth/authenticator';
import { SinyalServerError } from '../../errors';
import type { Route } from '../../api/routes';
import type { AuctionContext } from './auctionContext';
import { auctionState } from './auctionState';

/** The caller's view of an auction: the public state plus their own bidder number, highest bid and auto-bid. */
export async function stateFor(ctx: AuctionContext, auctionId: string, user: AuthUser, options: { assignBidder: boolean; joining: boolean }): Promise<AuctionJoinState> {
  const record = await ctx.store.get(auctionId, ctx.recentBids);
  if (!record) throw new SinyalServerError('not_found', `auction "${auctionId}" does not exist`);
  const [myBidderNumber, myHighestBid, activeBidders, myAutoBid] = await Promise.all([
    ctx.store.bidderNumber(auctionId, user.id, options.assignBidder),
    ctx.store.highestBidOf(auctionId, user.id),
    ctx.store.activeBidders(auctionId, options.joining ? user.id : undefined),
    ctx.store.autoBidOf(auctionId, user.id),
  ]);
  const state = auctionState(record, ctx.now(), activeBidders);
  // An auction past its end no longer bids for anyone, even before its end was recorded.
  const autoBid = myAutoBid && { max: myAutoBid.max, active: myAutoBid.active && state.status !== 'ended' };
  return { ...state, myBidderNumber, myHighestBid, myAutoBid: autoBid };
}

/**
 * REST endpoints:
 * - `POST /api/auctions` (publisher): create an auction (body `CreateAuctionInput`) → `AuctionState`;
 * - `GET /api/auctions/:id` (user): the state with the caller's bidder number → `AuctionJoinState`;
 * - `GET /api/auctions/:id/audit` (publisher): the audit trail (the latest `auditLimit` attempts) → `AuctionAudit`.
 */
export function auctionRoutes(ctx: AuctionContext, createAuction: (input: CreateAuctionInput) => Promise<AuctionState>): Route[] {
  return [
    {
      method: 'POST',
      path: '/api/auctions',
      auth: 'publisher',
      handler: ({ body }) => createAuction(body as CreateAuctionInput),
    },
    {
      method: 'GET',
      path: '/api/auctions/:id',
      auth: 'user',
      handler: async ({ params, user }) => {
        const auctionId = params.id!;
        if (ctx.authorize && !(await ctx.authorize({ user: user!, auctionId, action: 'view' }))) throw new SinyalServerError('forbidden', `not allowed to see auction "${auctionId}"`);
        return stateFor(ctx, auctionId, user!, { assignBidder: false, joining: false });
      },
    },
    {
      method: 'GET',
      path: '/api/auctions/:id/audit',
      auth: 'publisher',
      handler: async ({ params }): Promise<AuctionAudit> => {
        const auctionId = params.id!;
        if (!(await ctx.store.get(auctionId, 0))) throw new SinyalServerError('not_found', `auction "${auctionId}" does not exist`);
        return { auctionId, entries: await ctx.store.audit(auctionId) };
      },
    },
  ];
}
