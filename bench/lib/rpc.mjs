// Tiny request/response over the Node IPC channel between the orchestrator and its children.
import { fork } from 'node:child_process';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';

/** Parent side: fork a child and call `rpc(cmd, args)` on it. */
export function spawnChild(file, { execArgv = [], env = {}, name = file, lifetimeMs = 20 * 60_000 } = {}) {
  const child = fork(file, [], {
    execArgv: [...execArgv],
    env: { ...process.env, BENCH_LIFETIME_MS: String(lifetimeMs), ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map();
  let nextId = 0;
  let exited = false;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = true;
      for (const { reject } of pending.values()) reject(new Error(`${name} exited (code ${code}, signal ${signal})`));
      pending.clear();
      resolve({ code, signal });
    });
  });
  child.on('message', (msg) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error) p.reject(new Error(`${name}.${p.cmd}: ${msg.error}`));
    else p.resolve(msg.result);
  });
  return {
    child,
    name,
    exited: exitPromise,
    rpc(cmd, args = {}, timeoutMs = 180_000) {
      if (exited) return Promise.reject(new Error(`${name} already exited`));
      const id = ++nextId;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${name}.${cmd} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          cmd,
          resolve: (v) => (clearTimeout(timer), resolve(v)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        });
        child.send({ id, cmd, args });
      });
    },
    /** Ask politely, then kill if it does not leave within `graceMs`. */
    async stop(graceMs = 8000) {
      if (exited) return exitPromise;
      this.rpc('exit', {}, graceMs).catch(() => {});
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const r = await exitPromise;
      clearTimeout(timer);
      return r;
    },
  };
}

/** Child side: answer the parent's calls with `handlers[cmd](args)`; exit when the parent goes. */
export function serve(handlers) {
  const lifetime = Number(process.env.BENCH_LIFETIME_MS || 20 * 60_000);
  setTimeout(() => {
    console.error(`[${process.argv[1]}] lifetime of ${lifetime} ms exceeded, exiting`);
    process.exit(3);
  }, lifetime).unref();
  process.on('disconnect', () => process.exit(0));
  if (handlers.majorGcs) recordMajorGcs();
  process.on('message', async ({ id, cmd, args }) => {
    if (cmd === 'exit') {
      try {
        await handlers.exit?.();
      } finally {
        process.send({ id, result: true }, () => process.exit(0));
      }
      return;
    }
    try {
      const fn = handlers[cmd];
      if (!fn) throw new Error(`unknown command ${cmd}`);
      const result = await fn(args ?? {});
      process.send({ id, result });
    } catch (err) {
      process.send({ id, error: err?.stack || String(err) });
    }
  });
}

/** The last major (mark-compact) GCs of this process: [epoch ms at their start, pause ms], at most 1,000 (recorded once a child serves `majorGcs`: every server and the load). */
const majorGcs = [];
let recordingGcs = false;
function recordMajorGcs() {
  if (recordingGcs) return;
  recordingGcs = true;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.detail?.kind !== perfConstants.NODE_PERFORMANCE_GC_MAJOR) continue;
      majorGcs.push([performance.timeOrigin + entry.startTime, entry.duration]);
      if (majorGcs.length > 1000) majorGcs.shift();
    }
  }).observe({ entryTypes: ['gc'] });
}

/** Helpers every server child offers (the load offers `majorGcs` too). */
export const processStats = {
  /**
   * The major GCs that started between epoch ms `from` and `to` (a ladder step's measured
   * part): their number, the longest pause and all pauses together in ms (the collector's
   * stop-the-world part; its concurrent marking runs beside the process), and how many
   * started in the step's warm-up (from `warmFrom`), whose backlog the measured part may inherit.
   */
  majorGcs: ({ warmFrom = Infinity, from, to }) => {
    const inWindow = majorGcs.filter(([at]) => at >= from && at <= to);
    const pauses = inWindow.map(([, ms]) => ms);
    const inWarmup = majorGcs.filter(([at]) => at >= warmFrom && at < from).length;
    return { count: inWindow.length, maxMs: Math.round(Math.max(0, ...pauses) * 10) / 10, totalMs: Math.round(pauses.reduce((a, b) => a + b, 0) * 10) / 10, inWarmup };
  },
  cpu: () => process.cpuUsage(),
  /** Memory as it is (no forced GC: a full GC would pause the server being measured). */
  memNow: () => process.memoryUsage(),
  /** A full collection (twice: the first's finalizers may free more); the server children run with --expose-gc. */
  collect: () => {
    if (globalThis.gc) {
      globalThis.gc();
      globalThis.gc();
    }
    return null;
  },
  /** Memory after a full collection: what the process retains. */
  mem: () => {
    processStats.collect();
    return process.memoryUsage();
  },
};
