import { createDevToken } from '../auth/authenticator';
import { SinyalServerError } from '../errors';
import type { Route } from '../api/routes';

/** How long a token from {@link devTokenRoute} is valid, in seconds. */
export const DEV_TOKEN_TTL_SECONDS = 3600;

/**
 * `GET /dev/token?user=<id>` → `{ user, token, expiresIn }`: a token for any user who asks,
 * signed with `secret`. DEVELOPMENT ONLY — the `sinyal-server` CLI mounts it only when it
 * generated its own random secret (no `--secret` / `SINYAL_JWT_SECRET`), so a browser app
 * in development has somewhere to get a token. A real platform issues tokens from its own
 * login instead (docs/getting-started-react.md § 3).
 */
export function devTokenRoute(secret: string): Route {
  return {
    method: 'GET',
    path: '/dev/token',
    auth: 'none',
    async handler({ query }) {
      const user = query.get('user') ?? '';
      if (user.length < 1 || user.length > 128) throw new SinyalServerError('bad_request', 'user: 1 to 128 characters, e.g. /dev/token?user=alice');
      return { user, token: await createDevToken(secret, user, DEV_TOKEN_TTL_SECONDS), expiresIn: DEV_TOKEN_TTL_SECONDS };
    },
  };
}
