import { SocialProofActivityBody, type SocialProofActivity, type ViewersState } from '@sinyal/protocol/schema';
import { SinyalServerError } from '../../errors';
import type { Route, RouteContext } from '../../api/routes';
import { readSocialProof, sharedStore, type PresenceContext } from './presenceContext';
import { isRoomId } from './roomNames';
import { socialProofWindows } from './socialProofWindows';
import type { ActivityKind } from './store';
import { readViewersState } from './viewersRoomKind';

function propertyIdOf(params: Record<string, string>): string {
  const propertyId = params.id ?? '';
  if (!isRoomId(propertyId)) throw new SinyalServerError('bad_request', 'property id must be 1-128 characters of A-Z a-z 0-9 _ . : @ -');
  return propertyId;
}

/** Who is counted once per window: the signed-in user, or the `userId` the backend names (if any). */
function actorOf(ctx: PresenceContext, route: RouteContext): string | undefined {
  if (ctx.activityAuth === 'user') return route.user!.id;
  const body = SocialProofActivityBody.safeParse(route.body);
  if (!body.success) throw new SinyalServerError('bad_request', `body: ${body.error.issues[0]?.message ?? 'invalid'}`);
  return body.data?.userId;
}

function activityRoute(ctx: PresenceContext, kind: ActivityKind, path: string): Route {
  return {
    method: 'POST',
    path,
    auth: ctx.activityAuth,
    async handler(route): Promise<SocialProofActivity> {
      const propertyId = propertyIdOf(route.params);
      // Only real listings get counters: made-up ids would grow the store without bound.
      if (ctx.propertyExists && !(await ctx.propertyExists(propertyId))) throw new SinyalServerError('not_found', `property ${propertyId} does not exist`);
      const actor = actorOf(ctx, route);
      const windows = socialProofWindows(ctx.now(), ctx.utcOffsetMinutes);
      const counted = await ctx.store.recordActivity(kind, propertyId, kind === 'wishlist' ? windows.day : windows.week, actor);
      if (counted) ctx.socialProof.mark(propertyId, { resend: sharedStore(ctx) });
      return { propertyId, counted, ...(await readSocialProof(ctx, propertyId)) };
    },
  };
}

/**
 * REST endpoints of the presence feature:
 * - `POST /api/properties/:id/wishlist` — someone saved the property to a wishlist today;
 * - `POST /api/properties/:id/viewings` — a viewing was scheduled this week;
 *   both idempotent per user per window, answered with {@link SocialProofActivity}, and
 *   `404 not_found` for a property `propertyExists` does not know;
 * - `GET /api/properties/:id/presence` — the {@link ViewersState} without joining (initial
 *   render, polling fallback).
 */
export function socialProofRoutes(ctx: PresenceContext): Route[] {
  return [
    activityRoute(ctx, 'wishlist', '/api/properties/:id/wishlist'),
    activityRoute(ctx, 'viewing', '/api/properties/:id/viewings'),
    {
      method: 'GET',
      path: '/api/properties/:id/presence',
      auth: 'user',
      handler: ({ params }): Promise<ViewersState> => readViewersState(ctx, propertyIdOf(params)),
    },
  ];
}
