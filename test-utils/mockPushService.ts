// A Web Push service on 127.0.0.1 for tests without internet. Each device it makes is a
// subscription (an endpoint on this service plus a P-256 key pair and an auth secret, as a
// browser creates them). A message posted to an endpoint is accepted only if its VAPID JWT
// (RFC 8292) is signed (ES256) by the key in its `k=` parameter, is for this service's
// origin and unexpired; its body is then decrypted (aes128gcm, RFC 8188 + RFC 8291) with the
// device's private key — independently of the sender's library, with node:crypto alone.
import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A message the service accepted (and decrypted). */
export interface ReceivedPush {
  device: string;
  payload: unknown;
  ttl: number;
  urgency: string | undefined;
  /** The `sub` claim of the VAPID JWT. */
  subject: string;
  /** The VAPID public key the message was signed with (`k=`). */
  vapidKey: string;
}

/** How the service answers the next messages to a device: accept (201), refuse with a status, never answer, or cut the connection. */
export type DeviceBehaviour = { status: number } | 'hang' | 'reset';

/** A subscription as the browser gives it (`PushSubscription.toJSON()`). */
export interface MockSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

const b64u = (buf: Buffer) => buf.toString('base64url');

function hkdf(salt: Buffer, ikm: Buffer, info: Buffer, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length));
}

/** RFC 8291 §3.4 + RFC 8188 §2: one record of aes128gcm, decrypted with the user agent's keys. */
export function decryptAes128gcm(body: Buffer, uaPrivate: ReturnType<typeof createECDH>, authSecret: Buffer): Buffer {
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  if (idlen !== 65) throw new Error(`keyid must be the sender's 65-byte public key, got ${idlen} bytes`);
  if (ciphertext.length > rs) throw new Error('more than one record');
  const uaPublic = uaPrivate.getPublicKey();
  const ecdhSecret = uaPrivate.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]);
  const ikm = hkdf(authSecret, ecdhSecret, keyInfo, 32);
  const cek = hkdf(salt, ikm, Buffer.from('Content-Encoding: aes128gcm\0'), 16);
  const nonce = hkdf(salt, ikm, Buffer.from('Content-Encoding: nonce\0'), 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  // The last record ends with the delimiter 0x02, then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('missing the last-record padding delimiter');
  return padded.subarray(0, end);
}

/** Checks `Authorization: vapid t=<jwt>, k=<key>` for `audience`; returns the claims' subject and the key. */
export function verifyVapid(header: string | undefined, audience: string, nowSeconds: number): { subject: string; key: string } {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!match) throw new Error(`not a vapid Authorization header: ${header}`);
  const [, jwt, key] = match as unknown as [string, string, string];
  const [head, claims, signature] = jwt.split('.');
  if (!head || !claims || !signature) throw new Error('malformed JWT');
  const raw = Buffer.from(key, 'base64url');
  if (raw.length !== 65 || raw[0] !== 4) throw new Error('k must be an uncompressed P-256 point');
  const publicKey = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64u(raw.subarray(1, 33)), y: b64u(raw.subarray(33)) }, format: 'jwk' });
  const signed = verify('sha256', Buffer.from(`${head}.${claims}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  if (!signed) throw new Error('JWT signature does not verify with k');
  const header_ = JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg?: string };
  if (header_.alg !== 'ES256') throw new Error(`JWT alg must be ES256, got ${header_.alg}`);
  const body = JSON.parse(Buffer.from(claims, 'base64url').toString()) as { aud?: string; exp?: number; sub?: string };
  if (body.aud !== audience) throw new Error(`JWT aud ${body.aud} is not ${audience}`);
  if (typeof body.exp !== 'number' || body.exp <= nowSeconds || body.exp > nowSeconds + 24 * 3600) throw new Error('JWT exp must be in the next 24 hours');
  if (typeof body.sub !== 'string' || !/^(mailto:|https:)/.test(body.sub)) throw new Error('JWT sub must be a mailto: or https: contact');
  return { subject: body.sub, key };
}

const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

/** Starts the service on 127.0.0.1 (an ephemeral port). Close it after the test. */
export async function startMockPushService() {
  const devices = new Map<string, { ecdh: ReturnType<typeof createECDH>; auth: Buffer; behaviour: DeviceBehaviour }>();
  const received: ReceivedPush[] = [];
  /** Messages refused because they did not verify or decrypt (should stay empty). */
  const rejected: string[] = [];
  /** The device of every request that reached an endpoint, answered or not. */
  const requests: string[] = [];
  const hanging = new Set<IncomingMessage>();
  let counter = 0;

  const server: Server = createServer((req, res) => {
    void (async () => {
      const device = /^\/push\/([\w-]+)$/.exec(req.url ?? '')?.[1];
      const entry = device === undefined ? undefined : devices.get(device);
      const body = await readBody(req);
      if (req.method !== 'POST' || !entry || !device) {
        res.writeHead(404).end();
        return;
      }
      requests.push(device);
      if (entry.behaviour === 'hang') {
        hanging.add(req);
        return;
      }
      if (entry.behaviour === 'reset') {
        req.socket.destroy();
        return;
      }
      if (entry.behaviour.status !== 201) {
        res.writeHead(entry.behaviour.status).end();
        return;
      }
      try {
        if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error(`Content-Encoding ${req.headers['content-encoding']}`);
        const { subject, key } = verifyVapid(req.headers.authorization, origin(), Math.floor(Date.now() / 1000));
        const payload = JSON.parse(decryptAes128gcm(body, entry.ecdh, entry.auth).toString('utf8')) as unknown;
        const urgency = req.headers.urgency;
        received.push({ device, payload, ttl: Number(req.headers.ttl), urgency: Array.isArray(urgency) ? urgency[0] : urgency, subject, vapidKey: key });
        res.writeHead(201).end();
      } catch (error) {
        rejected.push((error as Error).message);
        res.writeHead(400).end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    received,
    rejected,
    requests,
    /** A new device: its subscription as the browser would send it to the app. */
    subscribe(): MockSubscription & { device: string } {
      const device = `d${++counter}`;
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      devices.set(device, { ecdh, auth, behaviour: { status: 201 } });
      return { device, endpoint: `${origin()}/push/${device}`, keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(auth) } };
    },
    /** How the device's endpoint answers from now on (e.g. `{ status: 410 }`: unsubscribed). */
    setBehaviour(device: string, behaviour: DeviceBehaviour) {
      devices.get(device)!.behaviour = behaviour;
    },
    /** The messages `device` received. */
    for: (device: string) => received.filter((push) => push.device === device),
    close: () =>
      new Promise<void>((resolve) => {
        for (const req of hanging) req.socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type MockPushService = Awaited<ReturnType<typeof startMockPushService>>;
