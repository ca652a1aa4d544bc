import { PropertyIdSchema, type PropertyEventBody, type PropertyRegisterBody } from '@sinyal/protocol/schema';
import { SinyalServerError } from '../../errors';
import type { Route } from '../../api/routes';
import type { PropertyUpdates } from './propertyUpdates';

/**
 * The platform's endpoints (auth `publisher`, `Authorization: Bearer <publishSecret>`):
 * - `PUT /api/properties/:id` `{ status, price, currency? }` registers a property or
 *   overwrites its state without publishing (answers the state);
 * - `POST /api/properties/:id/events` `{ type, … }` applies and publishes one update
 *   (answers the change);
 * and for users and polling fallbacks:
 * - `GET /api/properties/:id` (auth `user`) answers the same state a join carries.
 * Validation is done by {@link PropertyUpdates} (the bodies are passed through unchecked here).
 */
export function propertyRoutes(updates: PropertyUpdates): Route[] {
  return [
    {
      method: 'PUT',
      path: '/api/properties/:id',
      auth: 'publisher',
      handler: ({ params, body }) => updates.register(params.id, (body ?? {}) as PropertyRegisterBody),
    },
    {
      method: 'POST',
      path: '/api/properties/:id/events',
      auth: 'publisher',
      handler: ({ params, body }) => updates.apply(params.id, (body ?? {}) as PropertyEventBody),
    },
    {
      method: 'GET',
      path: '/api/properties/:id',
      auth: 'user',
      handler: ({ params }) => {
        const id = PropertyIdSchema.safeParse(params.id);
        if (!id.success) throw new SinyalServerError('bad_request', id.error.issues[0]?.message ?? 'invalid property id');
        return updates.snapshot(id.data);
      },
    },
  ];
}
