import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { ErrorCode } from '@sinyal/protocol';
import { AuthError, type AuthUser } from '../auth/authenticator';
import type { RateDecision } from '../limits/rateLimiter';
import { SinyalServerError } from '../errors';
import type { Logger } from '../ops/logger';
import type { SinyalServer } from '../api/server';
import type { Route } from '../api/routes';
import { readBody } from './readBody';

/** HTTP status for each protocol error code returned by a route. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid_frame: 400,
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  unsupported_version: 400,
  timeout: 504,
  expired: 410,
  overflow: 429,
  cancelled: 499,
  unavailable: 503,
  internal: 500,
};

const MAX_BODY_BYTES = 64 * 1024;

interface CompiledRoute extends Route {
  pattern: RegExp;
  names: string[];
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(segment.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { ...route, pattern: new RegExp(`^${source}$`), names };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req, MAX_BODY_BYTES, () => new SinyalServerError('too_large', `body over ${MAX_BODY_BYTES} bytes`));
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new SinyalServerError('bad_request', 'body is not valid JSON');
  }
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header && /^Bearer\s+(.+)$/i.exec(header);
  return match ? match[1]!.trim() : undefined;
}

/** Constant-time comparison, so the publish secret cannot be guessed byte by byte. */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface RouterDeps {
  routes: readonly Route[];
  authenticate(token: string, req: IncomingMessage): Promise<AuthUser>;
  /**
   * Takes one request from the user's rate limit (the same bucket as their socket frames,
   * `limits.messagesPerSecond` / `burst`), for `auth: 'user'` routes.
   */
  limit?: (userId: string) => RateDecision;
  /** Told about each REST request refused by {@link limit}. */
  onLimited?: () => void;
  publishSecret: string | undefined;
  server: () => SinyalServer;
  logger: Logger;
}

/** Sends a JSON response (shared with the probe and health endpoints). */
export type SendJson = (res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>) => void;

/**
 * Matches REST routes. Returns `false` when no route matches the path (so the caller
 * can answer 404 or try something else); otherwise handles the request completely.
 */
export function createRouter(deps: RouterDeps, send: SendJson) {
  const compiled = deps.routes.map(compile);
  return (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, cors: Record<string, string>): boolean => {
    const candidates = compiled.filter((route) => route.pattern.test(path));
    if (candidates.length === 0) return false;
    const route = candidates.find((r) => r.method === req.method);
    if (!route) {
      send(res, 405, { code: 'bad_request', msg: `use ${candidates.map((r) => r.method).join(', ')}` }, { ...cors, Allow: candidates.map((r) => r.method).join(', ') });
      return true;
    }
    const match = route.pattern.exec(path)!;
    const params: Record<string, string> = {};
    try {
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(match[i + 1]!)));
    } catch {
      send(res, 400, { code: 'bad_request', msg: 'malformed percent-encoding in the path' }, cors);
      return true;
    }

    const run = async (): Promise<unknown> => {
      let user: AuthUser | undefined;
      const token = bearer(req);
      if (route.auth === 'user') {
        if (!token) throw new SinyalServerError('unauthorized', 'token missing');
        try {
          user = await deps.authenticate(token, req);
        } catch (error) {
          if (error instanceof AuthError && error.status === 503) throw new SinyalServerError('unavailable', error.message, { retryAfterMs: 1000 });
          throw new SinyalServerError('unauthorized', error instanceof Error ? error.message : 'token invalid');
        }
        // Before the body is read: a refused request costs no parsing and closes its connection.
        const decision = deps.limit?.(user.id);
        if (decision && !decision.ok) {
          deps.onLimited?.();
          throw new SinyalServerError('rate_limited', 'too many requests', { retryAfterMs: decision.retryAfterMs });
        }
      } else if (route.auth === 'publisher') {
        if (!deps.publishSecret) throw new SinyalServerError('forbidden', 'publish API disabled: set publishSecret');
        if (!token || !sameSecret(token, deps.publishSecret)) throw new SinyalServerError('unauthorized', 'publish secret missing or wrong');
      }
      const body = req.method === 'GET' || req.method === 'DELETE' ? undefined : await readJson(req);
      return route.handler({ user, params, query, body, server: deps.server() });
    };
    run().then(
      (result) => send(res, 200, result ?? { ok: true }, cors),
      (error: unknown) => {
        if (error instanceof SinyalServerError) {
          const retry = error.retryAfterMs;
          send(
            res,
            HTTP_STATUS[error.code] ?? 400,
            { code: error.code, msg: error.message, ...(retry === undefined ? {} : { retryAfterMs: retry }) },
            retry === undefined ? cors : { ...cors, 'Retry-After': String(Math.max(1, Math.ceil(retry / 1000))), 'Access-Control-Expose-Headers': 'Retry-After' },
          );
        } else {
          deps.logger.error({ err: error, route: route.path }, 'route handler failed');
          send(res, 500, { code: 'internal', msg: 'internal server error' }, cors);
        }
      },
    );
    return true;
  };
}
