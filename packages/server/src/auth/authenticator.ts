import type { IncomingMessage } from 'node:http';
import { parse as parseSpan } from '@lukeed/ms';
import { createVerifier, TokenError } from 'fast-jwt';
import { SignJWT, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { TOKEN_PROTOCOL_PREFIX } from '@sinyal/protocol';
import { SinyalServerError } from '../errors';

/** The authenticated user of a connection, as established at the upgrade. */
export interface AuthUser {
  /** Stable user id (the JWT `sub`). Rate limits, connection limits and command dedupe are per id. */
  id: string;
  /** All claims of the token, for `authorize` hooks and command handlers. */
  claims?: Record<string, unknown>;
  /**
   * When the token expires (ms since epoch). A token is accepted until this time plus the
   * clock tolerance (`auth.clockToleranceSec`), and an open connection is closed with 4001
   * at that same moment.
   */
  expiresAt?: number;
}

/** Custom token verification: return the user, or throw (any error) to refuse with 401. */
export type VerifyToken = (token: string, req: IncomingMessage) => Promise<AuthUser> | AuthUser;

/** HMAC algorithms `auth.secret` may verify. */
export type HmacAlgorithm = 'HS256' | 'HS384' | 'HS512';
/** Public-key algorithms `auth.jwksUrl` may verify. */
export type PublicKeyAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA';

/** Settings every kind of {@link AuthOptions} shares. */
export interface AuthClockOptions {
  /**
   * Seconds of clock skew tolerated between the token's issuer and this server, applied the
   * same way everywhere: a token is accepted until `exp` + tolerance (and from `nbf` −
   * tolerance), and an open connection is closed with 4001 at `exp` + tolerance. Also applied
   * to the `expiresAt` a `verify` hook returns.
   * @default 5
   */
  clockToleranceSec?: number;
}

/** Claim checks of the JWT modes (`secret`, `jwksUrl`); each is off unless set. */
export interface JwtClaimOptions extends AuthClockOptions {
  /**
   * The `iss` the tokens must carry (or one of several). **Set it** when the same signing
   * key (or identity provider) issues tokens for other services too: without it a token
   * meant for another service is accepted.
   * @default undefined (not checked)
   */
  issuer?: string | readonly string[];
  /**
   * The `aud` the tokens must carry (one of them, when the token lists several), e.g.
   * `'sinyal'` or your API's identifier at the identity provider.
   * @default undefined (not checked)
   */
  audience?: string | readonly string[];
  /**
   * Oldest token accepted, by its `iat` (issued at): seconds, or a span like `'2h'`. Tokens
   * without `iat` are then refused. Bounds how long a leaked token stays usable even when
   * its `exp` is far away.
   * @default undefined (not checked)
   */
  maxTokenAge?: number | string;
}

/** `auth: { secret }` — HMAC-signed JWTs (HS256 by default) with a shared secret. */
export interface SecretAuthOptions extends JwtClaimOptions {
  /**
   * The shared secret: at least 32 bytes (256 bits) for HS256, 48 for HS384, 64 for HS512;
   * a shorter one makes `createServer` throw. Generate one with `openssl rand -base64 48`.
   */
  secret: string | Uint8Array;
  /**
   * Algorithms accepted.
   * @default ['HS256']
   */
  algorithms?: readonly HmacAlgorithm[];
}

/**
 * `auth: { jwksUrl }` — tokens of an identity provider (Auth0, Keycloak, Cognito, Entra ID…),
 * verified with the public keys it publishes as a JSON Web Key Set. Keys are fetched on
 * first use, cached, and fetched again when a token names an unknown `kid` (jose's
 * `createRemoteJWKSet`). While the key set cannot be fetched, upgrades are refused with 503
 * (`unavailable`), so clients retry instead of dropping their token.
 */
export interface JwksAuthOptions extends JwtClaimOptions {
  /** URL of the key set, e.g. `https://idp.example.com/.well-known/jwks.json`. */
  jwksUrl: string | URL;
  /**
   * Algorithms accepted (never HMAC or `none`).
   * @default ['RS256', 'ES256']
   */
  algorithms?: readonly PublicKeyAlgorithm[];
  /**
   * How the key set is fetched and cached (jose's `createRemoteJWKSet` options, in ms).
   * @default { timeoutMs: 5000, cooldownMs: 30000, cacheMaxAgeMs: 600000 }
   */
  jwks?: { timeoutMs?: number; cooldownMs?: number; cacheMaxAgeMs?: number };
}

/** `auth: { verify }` — any other check (session cookies, opaque tokens…). */
export interface VerifyAuthOptions extends AuthClockOptions {
  verify: VerifyToken;
}

/**
 * How connections authenticate: an HMAC JWT signed with `secret`, a JWT of an identity
 * provider checked against its key set at `jwksUrl`, or a `verify` hook for anything else.
 * In the JWT modes `sub` (the user id) and `exp` are required; `iss`, `aud` and the token's
 * age are checked when configured.
 */
export type AuthOptions = SecretAuthOptions | JwksAuthOptions | VerifyAuthOptions;

/** Default {@link AuthClockOptions.clockToleranceSec}. */
export const DEFAULT_CLOCK_TOLERANCE_SEC = 5;

/** Why a token was refused; `message` is safe to send to the client. */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  /**
   * HTTP status of the refusal: 401 (the token is refused), or 503 when it could not be
   * checked right now (the identity provider's key set is unreachable): retry later.
   */
  readonly status: 401 | 503;

  constructor(message: string, status: 401 | 503 = 401) {
    super(message);
    this.status = status;
  }
}

/** Turns a token into a user, or throws {@link AuthError}. */
export type Authenticator = (token: string, req: IncomingMessage) => Promise<AuthUser>;

const encoder = new TextEncoder();
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const HMAC_ALGORITHMS: readonly HmacAlgorithm[] = ['HS256', 'HS384', 'HS512'];
const PUBLIC_KEY_ALGORITHMS: readonly PublicKeyAlgorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** Shortest secret per HMAC algorithm, in bytes: the hash's output size (RFC 7518 §3.2). */
const MIN_SECRET_BYTES: Record<HmacAlgorithm, number> = { HS256: 32, HS384: 48, HS512: 64 };

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

function checkUser(user: unknown, toleranceMs: number): AuthUser {
  const candidate = user as Partial<AuthUser> | null | undefined;
  if (!candidate || typeof candidate.id !== 'string' || candidate.id.length === 0) {
    throw new AuthError('token invalid');
  }
  if (candidate.expiresAt !== undefined && !Number.isFinite(candidate.expiresAt)) throw new AuthError('token invalid: expiresAt must be a finite time');
  if (candidate.expiresAt !== undefined && candidate.expiresAt + toleranceMs <= Date.now()) throw new AuthError('token expired');
  return candidate as AuthUser;
}

/** The clock tolerance of `auth` in ms (validated). */
export function clockToleranceMs(auth: AuthOptions): number {
  const seconds = auth.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) throw new TypeError('auth.clockToleranceSec must be a non-negative number of seconds');
  return seconds * 1000;
}

function claimChecks(auth: JwtClaimOptions): Pick<JWTVerifyOptions, 'issuer' | 'audience' | 'maxTokenAge'> {
  const list = (value: string | readonly string[] | undefined, name: string): string | string[] | undefined => {
    if (value === undefined) return undefined;
    const values = typeof value === 'string' ? [value] : [...value];
    if (values.length === 0 || values.some((v) => typeof v !== 'string' || v.length === 0)) throw new TypeError(`auth.${name} must be a non-empty string or list of strings`);
    return values.length === 1 ? values[0] : values;
  };
  const issuer = list(auth.issuer, 'issuer');
  const audience = list(auth.audience, 'audience');
  const { maxTokenAge } = auth;
  if (maxTokenAge !== undefined && !(typeof maxTokenAge === 'string' ? maxTokenAge.length > 0 : Number.isFinite(maxTokenAge) && maxTokenAge > 0)) {
    throw new TypeError("auth.maxTokenAge must be a positive number of seconds or a time span such as '2h'");
  }
  return { ...(issuer === undefined ? {} : { issuer }), ...(audience === undefined ? {} : { audience }), ...(maxTokenAge === undefined ? {} : { maxTokenAge }) };
}

function allowedAlgorithms<A extends string>(given: readonly A[] | undefined, fallback: readonly A[], allowed: readonly A[], mode: string): A[] {
  const algorithms = [...(given ?? fallback)];
  if (algorithms.length === 0) throw new TypeError(`auth.algorithms must not be empty`);
  for (const alg of algorithms) if (!allowed.includes(alg)) throw new TypeError(`auth.algorithms: "${String(alg)}" cannot be used with ${mode} (allowed: ${allowed.join(', ')})`);
  return algorithms;
}

/** A time span of `maxTokenAge` (`'2h'`, `'30 min'`) in ms; refuses one it cannot read. */
function spanMs(span: string): number {
  const ms = parseSpan(span);
  if (!(typeof ms === 'number' && Number.isFinite(ms) && ms > 0)) throw new TypeError(`auth.maxTokenAge: cannot read the time span '${span}' (e.g. '2h', '30 min', or a number of seconds)`);
  return ms;
}

/** The client's reason for a token the shared-secret verifier refused. */
function fromTokenError(error: TokenError): AuthError {
  if (error.code === TokenError.codes.expired) return new AuthError('token expired'); // exp, or iat older than maxTokenAge
  const claim = /\bThe (iss|aud) claim\b/.exec(error.message)?.[1];
  if (claim && error.code === TokenError.codes.missingRequiredClaim) return new AuthError(`token invalid: no ${claim}`);
  if (claim && error.code === TokenError.codes.invalidClaimValue) return new AuthError(`token invalid: wrong ${claim}`);
  return new AuthError('token invalid');
}

/** The identity provider's key set could not be fetched (as opposed to a token it refuses). */
function keySetUnavailable(error: unknown): boolean {
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) return true;
  // fetch() failures (connection refused, DNS, a non-2xx answer) are not jose's token errors.
  return !(error instanceof joseErrors.JOSEError) && !(error instanceof AuthError);
}

/**
 * Builds the {@link Authenticator} for the configured {@link AuthOptions}. Throws a
 * `TypeError` for a configuration that cannot be safe (a secret shorter than its algorithm
 * needs, an HMAC algorithm with a key set…), so `createServer` fails at start.
 */
export function createAuthenticator(auth: AuthOptions): Authenticator {
  const toleranceMs = clockToleranceMs(auth);
  if ('verify' in auth) {
    const { verify } = auth;
    if (typeof verify !== 'function') throw new TypeError('auth.verify must be a function');
    return async (token, req) => {
      let user: unknown;
      try {
        user = await verify(token, req);
      } catch (error) {
        // Only our own error type carries a message meant for the client.
        throw new AuthError(error instanceof SinyalServerError || error instanceof AuthError ? error.message : 'token rejected');
      }
      return checkUser(user, toleranceMs);
    };
  }

  const options: JWTVerifyOptions = {
    ...claimChecks(auth),
    clockTolerance: toleranceMs / 1000,
    // `exp` is required so no token lives forever.
    requiredClaims: ['sub', 'exp'],
  };
  let verifyJwt: (token: string) => Promise<JWTPayload>;
  if ('jwksUrl' in auth) {
    let url: URL;
    try {
      url = new URL(auth.jwksUrl);
    } catch {
      throw new TypeError('auth.jwksUrl must be an absolute URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('auth.jwksUrl must be an http(s) URL');
    const algorithms = allowedAlgorithms(auth.algorithms, ['RS256', 'ES256'], PUBLIC_KEY_ALGORITHMS, 'jwksUrl');
    const keySet = createRemoteJWKSet(url, {
      timeoutDuration: auth.jwks?.timeoutMs ?? 5000,
      cooldownDuration: auth.jwks?.cooldownMs ?? 30_000,
      cacheMaxAge: auth.jwks?.cacheMaxAgeMs ?? 600_000,
    });
    verifyJwt = async (token) => (await jwtVerify(token, keySet, { ...options, algorithms })).payload;
  } else if ('secret' in auth) {
    const key = secretKey(auth.secret);
    const algorithms = allowedAlgorithms(auth.algorithms, ['HS256'], HMAC_ALGORITHMS, 'a secret');
    const needed = Math.max(...algorithms.map((alg) => MIN_SECRET_BYTES[alg]));
    if (key.length < needed) {
      throw new TypeError(
        `auth.secret is ${key.length} bytes; ${algorithms.join('/')} needs at least ${needed} random bytes (generate one with \`openssl rand -base64 48\`)`,
      );
    }
    // Verified on the event loop with node:crypto (fast-jwt): ≈ 5–8 µs of CPU per token, where
    // jose's WebCrypto verify took ≈ 55 µs and a hop to libuv's thread pool, which on a small
    // machine competes with the event loop for the cores (measured 2026-12-04). jose stays
    // for key sets (JWKS) and for signing dev tokens.
    const checks = claimChecks(auth);
    const verifier = createVerifier({
      key: Buffer.from(key),
      algorithms,
      // `exp` is required so no token lives forever; iss/aud/iat when they are checked.
      requiredClaims: ['sub', 'exp', ...(checks.issuer ? ['iss'] : []), ...(checks.audience ? ['aud'] : []), ...(checks.maxTokenAge !== undefined ? ['iat'] : [])],
      clockTolerance: toleranceMs,
      ...(checks.issuer && { allowedIss: checks.issuer }),
      ...(checks.audience && { allowedAud: checks.audience }),
      ...(checks.maxTokenAge !== undefined && { maxAge: typeof checks.maxTokenAge === 'number' ? checks.maxTokenAge * 1000 : spanMs(checks.maxTokenAge) }),
      cache: false,
    });
    verifyJwt = async (token) => verifier(token) as JWTPayload;
  } else {
    throw new TypeError('auth needs one of secret, jwksUrl or verify');
  }

  return async (token) => {
    try {
      const payload = await verifyJwt(token);
      if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new AuthError('token invalid: no sub claim');
      return checkUser(
        {
          id: payload.sub,
          claims: payload as Record<string, unknown>,
          ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp * 1000 } : {}),
        },
        toleranceMs,
      );
    } catch (error) {
      if (error instanceof AuthError) throw error;
      if (error instanceof TokenError) throw fromTokenError(error);
      if (error instanceof joseErrors.JWTExpired) throw new AuthError('token expired');
      if (error instanceof joseErrors.JWTClaimValidationFailed && (error.claim === 'iss' || error.claim === 'aud')) {
        throw new AuthError(`token invalid: ${error.reason === 'missing' ? 'no' : 'wrong'} ${error.claim}`);
      }
      if (keySetUnavailable(error)) throw new AuthError('cannot verify tokens right now: the identity provider\'s key set is unreachable', 503);
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
 * const token = await createDevToken(process.env.SINYAL_JWT_SECRET!, 'user-1'); // a secret of ≥ 32 bytes
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
