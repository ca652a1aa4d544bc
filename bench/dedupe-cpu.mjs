#!/usr/bin/env node
// CPU time per command of the server's dedupe path alone — `Deduper.run` over a `MemoryStore`
// with the outcome budget of the default limits — with no socket and no I/O: `n` commands of
// 2,000 users (each a new id, as in a chat) after a warm-up of 50,000, so the window holds what
// a busy node's does. Each source tree is bundled from its TypeScript and run in its own
// process, alternating, `runs` times.
//
//   node bench/dedupe-cpu.mjs [--src=DIR,DIR] [--n=300000] [--runs=3]
//
// DIR is a copy of packages/server/src (e.g. `git worktree add /tmp/base HEAD~1` and its
// packages/server/src) to compare with; the default is the workspace's source.
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleServerParts, SERVER_SRC } from './lib/serverSource.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));

if (process.env.DEDUPE_CPU_BUNDLE) {
  const { Deduper, MemoryStore } = await import(pathToFileURL(process.env.DEDUPE_CPU_BUNDLE).href);
  const { DEFAULT_LIMITS } = await import(pathToFileURL(process.env.DEDUPE_CPU_BUNDLE).href);
  const logger = { error() {}, warn() {}, info() {}, debug() {} };
  const deduper = new Deduper(new MemoryStore(), DEFAULT_LIMITS.dedupeWindowMs, logger, DEFAULT_LIMITS);
  let id = 0;
  const outcome = () => Promise.resolve({ ok: true, data: { epoch: 'AbCdEfGhIjKl', seq: id } });
  // `run(user, commandId, …)` since the budget keeps its entries in columns; `run(key, user, …)` in older trees.
  const userFirst = /run\(owner, commandId/.test(Deduper.prototype.run.toString());
  const batch = async (count) => {
    for (let i = 0; i < count; i++) {
      const user = `c${id % 2000}`;
      const commandId = `m${++id}`;
      await (userFirst ? deduper.run(user, commandId, outcome) : deduper.run(`${user.length}:${user}:${commandId}`, user, outcome));
    }
  };
  const n = Number(process.env.DEDUPE_CPU_N);
  await batch(50_000);
  const cpu0 = process.cpuUsage();
  await batch(n);
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({ cpuUsPerCommand: (cpu.user + cpu.system) / n, heapMB: process.memoryUsage().heapUsed / 1e6 }));
} else {
  const sources = args.src ? String(args.src).split(',') : [SERVER_SRC];
  const n = Number(args.n ?? 300_000);
  const runs = Number(args.runs ?? 3);
  const bundles = [];
  for (const [i, src] of sources.entries()) bundles.push({ src, file: await bundleServerParts(src, `dedupe-cpu/build${i}`), cpu: [] });
  for (let r = 0; r < runs; r++) {
    for (const b of r % 2 ? [...bundles].reverse() : bundles) {
      const line = execFileSync(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...process.env, DEDUPE_CPU_BUNDLE: b.file, DEDUPE_CPU_N: String(n) } }).toString().trim();
      b.cpu.push(JSON.parse(line).cpuUsPerCommand);
    }
  }
  console.log(`dedupe CPU: ${n} commands of 2,000 users after 50,000 warm-up, ${runs} alternating runs (µs of CPU per command, all threads)`);
  for (const b of bundles) console.log(`${b.src}: ${b.cpu.map((x) => x.toFixed(2)).join(' ')}`);
}
