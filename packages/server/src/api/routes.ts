import type { AuthUser } from '../auth/authenticator';
import type { SinyalServer } from './server';

/**
 * Who may call a route: `user` needs the same bearer token as a WebSocket, and each request
 * takes a token from that user's rate limit (the bucket their socket frames use,
 * `limits.messagesPerSecond` / `burst`: over it, 429 with `Retry-After`); `publisher` needs
 * the server-to-server `publishSecret` (the platform's backend; not rate-limited); `none` is
 * public (not rate-limited: keep such routes cheap).
 */
export type RouteAuth = 'user' | 'publisher' | 'none';

/** What a route handler receives. */
export interface RouteContext {
  /** The caller, for `auth: 'user'` routes. */
  user: AuthUser | undefined;
  /** `:name` segments of the path. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body (POST/PUT/PATCH), `undefined` otherwise. */
  body: unknown;
  server: SinyalServer;
}

/** One REST endpoint. The handler's return value is sent as JSON with status 200. */
export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path with `:param` segments, e.g. `/api/conversations/:id/messages`. */
  path: string;
  auth: RouteAuth;
  handler(ctx: RouteContext): unknown;
}
