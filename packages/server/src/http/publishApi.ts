import { z } from 'zod';
import { SinyalServerError } from '../errors';
import type { Route } from '../api/routes';

const PublishBody = z.object({
  room: z.string().optional(),
  /** Publish into this user's feed (`user:<id>`) instead of a room. */
  user: z.string().min(1).max(128).optional(),
  event: z.string(),
  data: z.unknown().optional(),
  volatile: z.boolean().optional(),
});

/**
 * `POST /api/publish` — the platform's backend announces something (a price change, a
 * new listing) with `Authorization: Bearer <publishSecret>` and a JSON body
 * `{ room, event, data, volatile? }` (or `{ user, event, data }` for one user's feed).
 * Answers `{ epoch, seq }` for a durable event, `{ ok: true }` for a volatile one.
 */
export const publishRoute: Route = {
  method: 'POST',
  path: '/api/publish',
  auth: 'publisher',
  async handler({ body, server }) {
    const parsed = PublishBody.safeParse(body);
    if (!parsed.success) throw new SinyalServerError('bad_request', parsed.error.issues[0]?.message ?? 'invalid body');
    const { room, user, event, data, volatile } = parsed.data;
    if ((room === undefined) === (user === undefined)) throw new SinyalServerError('bad_request', 'give exactly one of room or user');
    const result = user !== undefined ? await server.publishToUser(user, event, data) : await server.publish(room!, event, data, volatile ? { volatile } : {});
    return result ?? { ok: true };
  },
};
