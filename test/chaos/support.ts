// Shared pieces of the chaos suite: log capture, /health, and a "healthy neighbour" — a
// well-behaved connection that must not notice whatever the other connections do.
import v8 from 'node:v8';
import vm from 'node:vm';
import { ErrorCodes } from '@sinyal/protocol';
import { parseServerFrame } from '@sinyal/protocol/schema';
import { createJsonLogger, type Logger, type SinyalServer } from '@sinyal/server';
import { expect } from 'vitest';
import { rawClient, type RawClient } from '../../test-utils/rawClient';
import { SECRET, sleep, until } from '../../test-utils/harness';

/**
 * A full garbage collection, for heap measurements. vitest cannot pass `--expose-gc` to a
 * workspace project's workers (execArgv is a root-only option), so the flag is turned on
 * at run time and `gc` fetched from a fresh context, which sees it.
 */
export const gc: () => void = (() => {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

/** Heap in use after a full GC, in MB. */
export function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** A logger at `debug` (everything the server would ever write) into memory. */
export function captureLogs(): { lines: string[]; logger: Logger } {
  const lines: string[] = [];
  return { lines, logger: createJsonLogger('debug', (line) => lines.push(line)) };
}

/** GET /health; resolves to the status code. */
export async function health(server: SinyalServer): Promise<number> {
  const res = await fetch(`${server.httpUrl}/health`);
  await res.arrayBuffer();
  return res.status;
}

export async function expectHealthy(server: SinyalServer): Promise<void> {
  expect(await health(server)).toBe(200);
}

/** Every server frame must match the protocol schema, and errors must carry a known code. */
export function expectTypedFrame(frame: unknown): void {
  const parsed = parseServerFrame(frame);
  if (!parsed.ok) throw new Error(`server sent a frame outside the protocol (${parsed.msg}): ${JSON.stringify(frame).slice(0, 300)}`);
  const f = parsed.frame;
  if (f.t === 'error' || f.t === 'nack' || f.t === 'left') expect(Object.keys(ErrorCodes)).toContain(f.code);
}

/**
 * A neighbour in `room`: receives the events the test publishes there (`pump`) and pings
 * every `pingEveryMs`, recording how long each pong took. `check()` asserts it saw every
 * event once, in order, and every pong.
 */
export async function startNeighbour(server: SinyalServer, room = 'demo:neighbour', pingEveryMs = 100) {
  const client: RawClient = await rawClient(server.url, SECRET, 'neighbour');
  await client.join(room);
  const pending = new Map<number, number>();
  const delays: number[] = [];
  let pingSeq = 0;
  let published = 0;
  let stopped = false;
  const seen = () => client.frames.filter((f) => f.t === 'event' && f.room === room);
  const onPong = setInterval(() => {
    for (const f of client.frames) {
      if (f.t === 'pong' && pending.has(f.ts as number)) {
        delays.push(Date.now() - pending.get(f.ts as number)!);
        pending.delete(f.ts as number);
      }
    }
  }, 20);
  const pinger = setInterval(() => {
    const ts = ++pingSeq;
    pending.set(ts, Date.now());
    client.send({ t: 'ping', ts });
  }, pingEveryMs);
  // A steady stream of durable events from the platform side.
  const pump = setInterval(() => {
    if (stopped) return;
    published++;
    void server.publish(room, 'demo:message', { from: 'platform', n: published });
  }, 10);

  return {
    client,
    delays,
    published: () => published,
    /** Stops pinging and publishing, then checks the stream and the pongs. */
    async check(): Promise<{ events: number; pings: number; maxPongMs: number; p99PongMs: number }> {
      stopped = true;
      clearInterval(pump);
      clearInterval(pinger);
      await until(() => seen().length >= published && pending.size === 0, 10_000).catch(() => {});
      await sleep(50);
      clearInterval(onPong);
      for (const f of client.frames) {
        if (f.t === 'pong' && pending.has(f.ts as number)) pending.delete(f.ts as number);
      }
      const events = seen();
      expect(events.map((e) => (e.data as { n: number }).n)).toEqual(Array.from({ length: published }, (_, i) => i + 1));
      const seqs = events.map((e) => e.seq as number);
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1]! + 1);
      expect(pending.size).toBe(0);
      for (const f of client.frames) expectTypedFrame(f);
      const sorted = [...delays].sort((a, b) => a - b);
      return {
        events: events.length,
        pings: delays.length,
        maxPongMs: sorted.at(-1) ?? 0,
        p99PongMs: sorted[Math.floor(sorted.length * 0.99)] ?? 0,
      };
    },
    close() {
      clearInterval(pump);
      clearInterval(pinger);
      clearInterval(onPong);
      client.close();
    },
  };
}
