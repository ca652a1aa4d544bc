#!/usr/bin/env node
// Memory taken by what the server keeps per message (V8 heap plus array buffers, whose bytes
// live outside it), against what its byte bounds count: a remembered command outcome (the
// dedupe record of a `publish`, kept in the server's outcome budget with `MemoryStore`), a
// room history event (`MemoryStore`, a short chat message), a room of one small event, and a
// chat message (`MemoryChatStore`, with its id and client id indexes). 200,000 of each (of
// the rooms, a tenth), memory after a full GC before and after; for the outcomes also how long
// a full collection takes with them held. Bundled from packages/server/src.
//
//   node bench/record-bytes.mjs [--n=200000]
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleServerParts, SERVER_SRC } from './lib/serverSource.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));

if (process.env.RECORD_BYTES_BUNDLE) {
  const { Deduper, MemoryStore, MemoryChatStore, DEFAULT_LIMITS } = await import(pathToFileURL(process.env.RECORD_BYTES_BUNDLE).href);
  const n = Number(process.env.RECORD_BYTES_N);
  const logger = { error() {}, warn() {}, info() {}, debug() {} };
  // The buffers a collection frees are swept in the background: collect, let the sweep
  // finish, collect again, then read.
  const heap = async () => {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 200));
    globalThis.gc();
    const { heapUsed, arrayBuffers } = process.memoryUsage();
    return heapUsed + arrayBuffers;
  };
  /**
   * How long a full (atomic, not incremental) collection takes: the median of five. What the
   * heap holds per message is what every major collection of the server marks; this says
   * what holding them costs a collection, beside what they weigh.
   */
  const fullGcMs = () => {
    const took = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      globalThis.gc();
      took.push(performance.now() - start);
    }
    return took.sort((a, b) => a - b)[2];
  };
  /** One line: memory taken per record against the bytes its bound counts for it. */
  const report = (what, took, counted) => console.log(`${what}: ${took.toFixed(0)} bytes of memory each, ${counted.toFixed(0)} counted (memory ÷ counted ${(took / counted).toFixed(2)})`);
  const kept = [];
  {
    // Bounds out of the way: every outcome is kept.
    const deduper = new Deduper(new MemoryStore(), DEFAULT_LIMITS.dedupeWindowMs, logger, { ...DEFAULT_LIMITS, outcomeBytesPerUser: 1e12, outcomeBytesTotal: 1e12 });
    const before = await heap();
    const gcBefore = fullGcMs();
    for (let i = 0; i < n; i++) {
      const user = `user-${i % 2000}`;
      await deduper.run(user, i.toString(36).padStart(10, '0'), async () => ({ ok: true, data: { epoch: 'AbCdEfGhIjKl', seq: i } }));
    }
    const took = ((await heap()) - before) / n;
    const { bytes, entries } = deduper.stats();
    report('remembered outcome', took, bytes / entries);
    console.log(`  a full collection with them held: ${fullGcMs().toFixed(1)} ms (${gcBefore.toFixed(1)} ms before)`);
    kept.push(deduper);
  }
  {
    const store = new MemoryStore({ maxHistoryBytes: 1e12 });
    const before = await heap();
    for (let i = 0; i < n; i++) {
      const json = JSON.stringify({ text: 'Halo! Is the 2BR unit on Jl. Kemang still available for viewing this weekend?', n: i });
      await store.append(`chat:room-${i % 1000}`, { name: 'chat:message', data: JSON.parse(json), json, at: Date.now() }, 1000);
    }
    const took = ((await heap()) - before) / n;
    const { bytes, events } = store.stats();
    report('history event', took, bytes / events);
    kept.push(store);
    // Read once (a resume): each event gets its object, kept from then on.
    for (let r = 0; r < 1000; r++) await store.readAfter(`chat:room-${r}`, 0);
    const tookRead = ((await heap()) - before) / n;
    const afterRead = store.stats();
    report('history event once read', tookRead, afterRead.bytes / afterRead.events);
  }
  {
    // Many rooms of one small event each (what a user opening rooms by the thousand leaves).
    const store = new MemoryStore({ maxHistoryBytes: 1e12 });
    const rooms = Math.ceil(n / 10);
    const before = await heap();
    for (let i = 0; i < rooms; i++) await store.append(`chat:lone-${i}`, { name: 'chat:message', data: { t: 'x' }, json: '{"t":"x"}', at: Date.now() }, 100);
    const took = ((await heap()) - before) / rooms;
    report('room of one event', took, store.stats().bytes / rooms);
    kept.push(store);
  }
  {
    const chats = new MemoryChatStore({ maxMessagesPerConversation: 1e9, maxBytes: 1e12 });
    for (let c = 0; c < 1000; c++) await chats.createConversation({ id: `conv-${c}`, participants: [`buyer-${c}`, 'agent-1'], createdAt: Date.now() });
    const before = await heap();
    for (let i = 0; i < n; i++) {
      const c = i % 1000;
      await chats.appendMessage({ id: `m${i.toString(36).padStart(10, '0')}`, conversationId: `conv-${c}`, senderId: `buyer-${c}`, clientMessageId: `c${i.toString(36).padStart(12, '0')}`, text: 'Halo! Is the 2BR unit on Jl. Kemang still available for viewing this weekend?', attachments: [], createdAt: Date.now() });
    }
    const took = ((await heap()) - before) / n;
    const { bytes, messages } = chats.stats();
    report('chat message', took, bytes / messages);
    kept.push(chats);
  }
} else {
  const bundle = await bundleServerParts(SERVER_SRC, 'record-bytes');
  process.stdout.write(execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url)], { env: { ...process.env, RECORD_BYTES_BUNDLE: bundle, RECORD_BYTES_N: String(Number(args.n ?? 200_000)) } }));
}
