// Adversarial input below the client library: hand-made HTTP upgrades and WebSocket
// frames over raw TCP (test-utils/wsFrames.ts). Each attack must end in the documented
// close code or refusal, the process must stay healthy (/health 200), and a neighbour
// connection in a room must keep receiving its events in order with timely pongs.
import { constants as zlibConstants, deflateRawSync } from 'node:zlib';
import { createDevToken, type SinyalServer } from '@sinyal/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET, startServer } from '../../test-utils/harness';
import { encodeFrame, Opcode, rawConnect, rawSession, sinyalProtocols, upgradeRequest } from '../../test-utils/wsFrames';
import { report, scale } from './scale';
import { captureLogs, expectHealthy, heapMb, startNeighbour } from './support';

describe('adversarial input at the socket level', () => {
  let server: SinyalServer;
  let token: string;
  let neighbour: Awaited<ReturnType<typeof startNeighbour>>;
  const logs = captureLogs();

  beforeAll(async () => {
    server = await startServer({ logger: logs.logger });
    token = await createDevToken(SECRET, 'attacker');
    neighbour = await startNeighbour(server);
  });

  afterAll(async () => {
    const figures = await neighbour.check();
    report('socket attacks: neighbour', figures);
    expect(figures.maxPongMs).toBeLessThan(3000);
    neighbour.close();
    // Nothing the attacks sent made it into the logs at error level, and no token at all.
    expect(logs.lines.filter((l) => l.includes('"level":"error"'))).toEqual([]);
    for (const secret of [token, Buffer.from(token).toString('base64url')]) expect(logs.lines.join('\n')).not.toContain(secret);
    await server.close();
  });

  /** After each attack: the process answers /health 200 and still serves the attacker's next connection. */
  async function stillHealthy(): Promise<void> {
    await expectHealthy(server);
    const probe = await rawSession(server.port, token);
    probe.write(encodeFrame({ payload: JSON.stringify({ t: 'ping', ts: 99 }) }));
    await probe.nextMessage((m) => m.t === 'pong' && m.ts === 99);
    probe.destroy();
  }

  it('a length field over maxFrameBytes closes with 1009 before the payload is read', async () => {
    for (const declaredLength of [64 * 1024 + 1, 2 ** 32, 2 ** 53 - 1]) {
      const raw = await rawSession(server.port, token);
      // Announce the frame and send only a few bytes of it: the server must not wait for (or allocate) the rest.
      raw.write(encodeFrame({ payload: '{"t":"ping"', declaredLength, lengthEncoding: 64 }));
      const end = await raw.ended();
      expect(end.closeCode).toBe(1009);
      raw.destroy();
    }
    // Over the limit in total across fragments, each fragment small.
    const raw = await rawSession(server.port, token);
    const chunk = 'x'.repeat(1000);
    for (let i = 0; i < 70; i++) raw.write(encodeFrame({ opcode: i === 0 ? Opcode.text : Opcode.continuation, fin: false, payload: chunk }));
    expect((await raw.ended()).closeCode).toBe(1009);
    raw.destroy();
    await stillHealthy();
  });

  it('invalid UTF-8 in a text frame closes with 1007', async () => {
    for (const bytes of [[0xc3, 0x28], [0xed, 0xa0, 0x80] /* lone surrogate */, [0xf8, 0x88, 0x80, 0x80, 0x80], [0x7b, 0xff, 0x7d]]) {
      const raw = await rawSession(server.port, token);
      raw.write(encodeFrame({ payload: Buffer.from(bytes) }));
      expect((await raw.ended()).closeCode).toBe(1007);
      raw.destroy();
    }
    await stillHealthy();
  });

  it('RSV bits without a negotiated extension, unmasked frames and unknown opcodes close with 1002', async () => {
    const attacks = [
      encodeFrame({ payload: '{"t":"ping","ts":1}', rsv1: true }),
      encodeFrame({ payload: '{"t":"ping","ts":1}', rsv2: true }),
      encodeFrame({ payload: '{"t":"ping","ts":1}', rsv3: true }),
      encodeFrame({ payload: '{"t":"ping","ts":1}', mask: false }),
      encodeFrame({ payload: 'x', opcode: 0x3 }), // reserved data opcode
      encodeFrame({ payload: 'x', opcode: 0xb }), // reserved control opcode
      encodeFrame({ payload: 'x', opcode: Opcode.continuation }), // continuation with nothing to continue
      encodeFrame({ payload: 'x'.repeat(126), opcode: Opcode.ping }), // control frame over 125 bytes
      encodeFrame({ payload: 'x', opcode: Opcode.ping, fin: false }), // fragmented control frame
    ];
    for (const bytes of attacks) {
      const raw = await rawSession(server.port, token);
      raw.write(bytes);
      expect((await raw.ended()).closeCode).toBe(1002);
      raw.destroy();
    }
    await stillHealthy();
  });

  /** One text message split into `count` fragments: one byte each while `message` lasts, empty after that. */
  function fragmented(message: Buffer, count: number): Buffer[] {
    const chunks: Buffer[] = [];
    let batch: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      batch.push(
        encodeFrame({
          opcode: i === 0 ? Opcode.text : Opcode.continuation,
          fin: i === count - 1,
          payload: i < message.length ? message.subarray(i, i + 1) : Buffer.alloc(0),
        }),
      );
      if (batch.length === 1000) {
        chunks.push(Buffer.concat(batch));
        batch = [];
      }
    }
    if (batch.length > 0) chunks.push(Buffer.concat(batch));
    return chunks;
  }

  it(`10,000 one-byte fragments of one message are handled; ${scale.fragments} are refused with 1008; memory stays bounded`, async () => {
    const before = heapMb();
    // A valid ping padded with JSON whitespace to 10,000 bytes, one byte per fragment.
    const raw = await rawSession(server.port, token);
    let started = Date.now();
    for (const chunk of fragmented(Buffer.from('{"t":"ping","ts":7}'.padEnd(10_000, ' ')), 10_000)) raw.write(chunk);
    const pong = await raw.nextMessage((m) => m.t === 'pong', 20_000);
    expect(pong.ts).toBe(7);
    const handledMs = Date.now() - started;
    raw.destroy();

    // Past ws's maxFragments (16,384 since ws 8.21, the tiny-fragment DoS fix) the socket is
    // closed with 1008 (policy violation) instead of collecting fragments without bound; the
    // payload stays under maxFrameBytes (60,000 one-byte fragments, the rest empty).
    const flood = await rawSession(server.port, token);
    started = Date.now();
    for (const chunk of fragmented(Buffer.from('{"t":"ping","ts":8}'.padEnd(Math.min(scale.fragments, 60_000), ' ')), scale.fragments)) flood.write(chunk);
    const end = await flood.ended(20_000);
    const refusedMs = Date.now() - started;
    flood.destroy();
    expect(end.closeCode).toBe(1008);
    const grownMb = heapMb() - before;
    report('tiny fragments', { handled: 10_000, handledMs, flood: scale.fragments, floodClose: end.closeCode, refusedMs, heapGrowthMb: Number(grownMb.toFixed(1)) });
    expect(grownMb).toBeLessThan(32);
    await stillHealthy();
  });

  it('3,000 request headers: refused over the header size limit, extra ones dropped under it, never a crash', async () => {
    const extraHeaders = Array.from({ length: 3000 }, (_, i): [string, string] => [`X-Chaos-${i}`, 'y']);
    const raw = await rawConnect(server.port, upgradeRequest({ protocols: sinyalProtocols(token), extraHeaders }));
    expect(raw.status).not.toBe(101);
    await raw.ended();
    raw.destroy();
    // Under Node's 16 KiB header limit but far more headers than maxHeadersCount (2000).
    const many = Array.from({ length: 3000 }, (_, i): [string, string] => [`x${i % 10}`, '']);
    const raw2 = await rawConnect(server.port, upgradeRequest({ protocols: sinyalProtocols(token), extraHeaders: many }));
    report('3000 headers', { bigHeaders: raw.status || 'socket closed', smallHeaders: raw2.status || 'socket closed' });
    // Node keeps the first 2000 headers (maxHeadersCount) and the upgrade goes on normally.
    expect([0, 101, 400, 431]).toContain(raw2.status);
    raw2.destroy();
    await stillHealthy();
  });

  it('a 64 KB Sec-WebSocket-Protocol header is refused cleanly and the token is never echoed', async () => {
    const [version, bearer] = sinyalProtocols(token) as [string, string];
    const encoded = bearer.slice('sinyal.bearer.'.length);
    const padding = Array.from({ length: 64 * 1024 / 16 }, (_, i) => `junk-${String(i).padStart(9, '0')}`).join(', ');
    for (const header of [`${version}, ${padding}, ${bearer}`, `${bearer}, ${padding}, ${version}`, `${version}, ${bearer}${'A'.repeat(64 * 1024)}`]) {
      const raw = await rawConnect(server.port, upgradeRequest({ protocolHeader: header }));
      expect(raw.status).not.toBe(101);
      await raw.ended();
      for (const secret of [token, encoded]) expect(raw.received()).not.toContain(secret);
      raw.destroy();
    }
    // A long header that fits under the limit (12 KB, 700 entries): accepted, and only sinyal.v1 is selected.
    const fits = Array.from({ length: 700 }, (_, i) => `junk-${i}`).join(', ');
    const raw = await rawConnect(server.port, upgradeRequest({ protocolHeader: `${fits}, ${version}, ${bearer}` }));
    expect(raw.status).toBe(101);
    expect(raw.responseHead).toMatch(/\r\nSec-WebSocket-Protocol: sinyal\.v1(\r\n|$)/i);
    for (const secret of [token, encoded]) expect(raw.received()).not.toContain(secret);
    raw.destroy();
    await stillHealthy();
  });

  it('with compression off (the default) permessage-deflate is not negotiated; a compressed "deflate bomb" frame closes with 1002 without inflating', async () => {
    // The server has no compression option (createServer sets perMessageDeflate: false),
    // so an offer is ignored and a frame flagged as compressed (RSV1) is a protocol error.
    // 64 MB of zeros inside a JSON string deflates to ~64 KB: this is what would blow up if inflated.
    const bomb = deflateRawSync(Buffer.concat([Buffer.from('{"t":"ping","ts":1,"pad":"'), Buffer.alloc(64 * 2 ** 20, 0x30), Buffer.from('"}')]));
    const before = heapMb();
    const raw = await rawSession(server.port, token, { extensions: 'permessage-deflate; client_max_window_bits' });
    expect(raw.responseHead).not.toMatch(/sec-websocket-extensions/i);
    raw.write(encodeFrame({ payload: bomb.subarray(0, Math.min(bomb.length, 60_000)), rsv1: true }));
    expect((await raw.ended()).closeCode).toBe(1002);
    raw.destroy();
    const grownMb = heapMb() - before;
    report('deflate bomb', { compressedBytes: bomb.length, inflatedWouldBeMb: 64, heapGrowthMb: Number(grownMb.toFixed(1)) });
    expect(grownMb).toBeLessThan(16);
    await stillHealthy();
  });

  it('with perMessageDeflate enabled, a deflate bomb is cut off at maxFrameBytes while inflating (1009), memory bounded', async () => {
    // `perMessageDeflate` is a recent server option: on a server without it, the offer is
    // simply not negotiated and the bomb is refused as a protocol error like above.
    const deflating = await startServer({ perMessageDeflate: true } as Parameters<typeof startServer>[0]);
    try {
      // 32 MB of zeros in a JSON string: ~32 KB compressed, under the frame limit on the wire.
      const inflated = Buffer.concat([Buffer.from('{"t":"ping","ts":1,"pad":"'), Buffer.alloc(32 * 2 ** 20, 0x30), Buffer.from('"}')]);
      const compressed = deflateRawSync(inflated, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
      const payload = compressed.subarray(0, compressed.length - 4); // RFC 7692: drop the 00 00 ff ff tail
      const before = heapMb();
      const raw = await rawSession(deflating.port, token, { extensions: 'permessage-deflate; client_max_window_bits' });
      const negotiated = /\r\nsec-websocket-extensions:\s*permessage-deflate/i.test(raw.responseHead);
      raw.write(encodeFrame({ payload, rsv1: true }));
      const end = await raw.ended(10_000);
      raw.destroy();
      const grownMb = heapMb() - before;
      report('deflate bomb (compression on)', { negotiated, compressedBytes: payload.length, inflatedMb: 32, closeCode: end.closeCode, heapGrowthMb: Number(grownMb.toFixed(1)) });
      expect(end.closeCode).toBe(negotiated ? 1009 : 1002);
      expect(grownMb).toBeLessThan(16);
      // A small compressed message still works on that server.
      if (negotiated) {
        const ok = await rawSession(deflating.port, token, { extensions: 'permessage-deflate' });
        const small = deflateRawSync(Buffer.from('{"t":"ping","ts":5}'), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
        ok.write(encodeFrame({ payload: small.subarray(0, small.length - 4), rsv1: true }));
        // The answer may come back compressed too; only its arrival matters here.
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error('no answer to a compressed ping')), 5000);
          const poll = setInterval(() => {
            if (ok.frames.length > 0) {
              clearTimeout(t);
              clearInterval(poll);
              resolve();
            }
          }, 10);
        });
        ok.destroy();
      }
      expect(await fetch(`${deflating.httpUrl}/health`).then((r) => r.status)).toBe(200);
    } finally {
      await deflating.close();
    }
    await stillHealthy();
  });

  it('garbage instead of an HTTP request, and half an upgrade, leave the server healthy', async () => {
    for (const request of ['\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03', 'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n', 'BREW /ws HTCPCP/1.0\r\n\r\n']) {
      const raw = await rawConnect(server.port, request, 1000).catch(() => undefined);
      expect(raw?.status ?? 0).not.toBe(101);
      raw?.destroy();
    }
    await stillHealthy();
  });
});
