import type { IncomingMessage } from 'node:http';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { TOKEN_PROTOCOL_PREFIX } from '@sinyal/protocol';
import { SinyalServerError } from './errors';

/** The authenticated user of a connection, as established at the upgrade. */
export interface AuthUser {
  /** Stable user id (the JWT `sub`). Rate limits, connection limits and command dedupe are per id. */
  id: string;
  /** All claims of the token, for `authorize` hooks and command handlers. */
  claims?: Record<string, unknown>;
  /** When the token expires (ms since epoch); the connection is closed with 4001 at that time. */
  expiresAt?: number;
}

/** Custom token verification: return the user, or throw (any error) to refuse with 401. */
export type VerifyToken = (token: string, req: IncomingMessage) => Promise<AuthUser> | AuthUser;

/**
 * How connections authenticate: an HS256 JWT signed with `secret` (`sub` = user id,
 * `exp` honoured), or a `verify` hook for anything else (sessions, RS256 via JWKS…).
 */
export type AuthOptions = { secret: string | Uint8Array } | { verify: VerifyToken };

/** Why a token was refused; `message` is safe to send to the client. */
export class AuthError extends Error {
  override readonly name = 'AuthError';
}

/** Turns a token into a user, or throws {@link AuthError}. */
export type Authenticator = (token: string, req: IncomingMessage) => Promise<AuthUser>;

const encoder = new TextEncoder();
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function secretKey(secret: string | Uint8Array): Uint8Array {
  const key = typeof secret === 'string' ? encoder.encode(secret) : secret;
  if (key.length === 0) throw new TypeError('auth.secret must not be empty');
  return key;
}

/**
 * Finds the bearer token of a request, in order: the `sinyal.bearer.<base64url>` entry
 * of `Sec-WebSocket-Protocol` (what browsers can send), an `Authorization: Bearer`
 * header (the auth probe, Node clients), and, only when `allowQuery`, `?token=`.
 * Returns `undefined` when there is none, `null` when the subprotocol entry is not valid base64url.
 */
export function extractToken(req: IncomingMessage, allowQuery: boolean): string | null | undefined {
  const protocols = req.headers['sec-websocket-protocol'];
  if (protocols) {
    for (const entry of protocols.split(',')) {
      const value = entry.trim();
      if (!value.startsWith(TOKEN_PROTOCOL_PREFIX)) continue;
      const encoded = value.slice(TOKEN_PROTOCOL_PREFIX.length);
      if (!BASE64URL.test(encoded)) return null;
      return Buffer.from(encoded, 'base64url').toString('utf8');
    }
  }
  const authorization = req.headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1] ?? null;
  }
  if (allowQuery) {
    const token = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
    if (token) return token;
  }
  return undefined;
}

function checkUser(user: unknown): AuthUser {
  const candidate = user as Partial<AuthUser> | null | undefined;
  if (!candidate || typeof candidate.id !== 'string' || candidate.id.length === 0) {
    throw new AuthError('token invalid');
  }
  if (candidate.expiresAt !== undefined && !Number.isFinite(candidate.expiresAt)) throw new AuthError('token invalid: expiresAt must be a finite time');
  if (candidate.expiresAt !== undefined && candidate.expiresAt <= Date.now()) throw new AuthError('token expired');
  return candidate as AuthUser;
}

/** Builds the {@link Authenticator} for the configured {@link AuthOptions}. */
export function createAuthenticator(auth: AuthOptions): Authenticator {
  if ('verify' in auth) {
    const { verify } = auth;
    return async (token, req) => {
      let user: unknown;
      try {
        user = await verify(token, req);
      } catch (error) {
        // Only our own error type carries a message meant for the client.
        throw new AuthError(error instanceof SinyalServerError || error instanceof AuthError ? error.message : 'token rejected');
      }
      return checkUser(user);
    };
  }
  const key = secretKey(auth.secret);
  return async (token) => {
    try {
      // 5 s of leeway for issuers whose clocks drift; `exp` is required so no token lives forever.
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], clockTolerance: 5, requiredClaims: ['sub', 'exp'] });
      if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new AuthError('token invalid: no sub claim');
      return checkUser({
        id: payload.sub,
        claims: payload as Record<string, unknown>,
        ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp * 1000 } : {}),
      });
    } catch (error) {
      if (error instanceof AuthError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new AuthError('token expired');
      throw new AuthError('token invalid');
    }
  };
}

/**
 * Signs an HS256 JWT for `userId` that {@link createServer} with `auth: { secret }` accepts.
 * Meant for tests, examples and the dev CLI; production tokens come from your auth service.
 *
 * @param ttlSeconds lifetime of the token in seconds (default 3600; negative gives an already expired token).
 * @param claims extra claims to include (roles, tenant…).
 * @example
 * ```ts
 * const token = await createDevToken('dev-secret', 'user-1');
 * ```
 */
export async function createDevToken(
  secret: string | Uint8Array,
  userId: string,
  ttlSeconds = 3600,
  claims: Record<string, unknown> = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(secretKey(secret));
}
