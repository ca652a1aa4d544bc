// Turns a results JSON of bench/run.mjs into tables: the same tables are printed by run.mjs
// (plain text) and written into docs/performance.md by bench/report-md.mjs (Markdown).
// Every figure is the median of the repeats with their range: "median [min–max]".

/** A step whose load generator used at least this share of one core (%) was load-bound. */
export const LOAD_BOUND_CPU_PCT = 90;
/** A server using at least this share of one core (%) in a step was the bound. */
export const SERVER_BOUND_CPU_PCT = 90;
/** Below this share of the offered deliveries (or not drained), the server did not carry the step. */
export const MIN_DELIVERED_RATIO = 0.99;

export const NOT_A_MEASURE = 'load-bound — not a measure';

/** The name of a build directory: a `…/NAME/dist` copy is named by NAME, which tells builds apart. */
export function buildName(dir) {
  const parts = dir.split('/').filter(Boolean);
  return parts.at(-1) === 'dist' && parts.length > 1 ? parts.at(-2) : parts.at(-1);
}

export function label(server) {
  if (server === 'sinyal') return 'Sinyal (batched)';
  if (server === 'sinyal-unbatched') return 'Sinyal (unbatched)';
  if (server === 'socketio') return 'socket.io 4';
  if (server === 'ws') return 'raw ws (floor)';
  if (/^sinyal-w\d+$/.test(server)) return `Sinyal, ${server.slice(8)} worker${server === 'sinyal-w1' ? '' : 's'} + Redis`;
  if (server.startsWith('sinyal@')) return `Sinyal @${buildName(server.slice(7))}`;
  return server;
}

/** Other processes on the machine using at least this share of one core (%) during a step: the machine was shared. */
export const OTHERS_BOUND_CPU_PCT = 25;

/** A machine at least this busy (% of all its cores) during a step had no core to spare. */
export const CORES_BUSY_PCT = 90;

/**
 * Which process bounded a measured step: `load` when the load generator fell behind its
 * schedule or used ≥ 90 % of a core (its figures then measure the load generator, not the
 * server); `machine` when processes other than the server and the load generator used
 * ≥ 25 % of a core (the step measured a shared machine); `server` when the server (or, for a
 * server of several processes — cluster workers, Redis — one of them) used ≥ 90 % of a core,
 * or did not deliver what was offered (or did not drain it); `cores` when a server of several
 * processes did not reach that but the machine was ≥ 90 % busy (server and load generator
 * shared every core); otherwise `neither`.
 */
export function classify(step) {
  if (step.behind || (step.load?.cpuPct ?? step.loadCpuPct ?? 0) >= LOAD_BOUND_CPU_PCT) return 'load';
  if ((step.machine?.othersCpuPct ?? 0) >= OTHERS_BOUND_CPU_PCT) return 'machine';
  const delivered = step.deliveredRatio == null ? 1 : step.deliveredRatio;
  const serverPct = step.server?.parts ? Math.max(...step.server.parts.map((p) => p ?? 0)) : (step.server?.cpuPct ?? 0);
  const starved = delivered < MIN_DELIVERED_RATIO || step.drained === false;
  if (step.server?.parts && (step.machine?.busyPct ?? 0) >= CORES_BUSY_PCT && serverPct < SERVER_BOUND_CPU_PCT) return 'cores';
  if (serverPct >= SERVER_BOUND_CPU_PCT || starved) return 'server';
  return 'neither';
}

/** The bound over the repeats of a step: load-bound (or machine-bound) in any repeat makes the step no measure. */
export function boundOf(steps) {
  const kinds = steps.map(classify);
  const n = kinds.length;
  const count = (k) => kinds.filter((x) => x === k).length;
  if (count('load')) return { kind: 'load', text: `${NOT_A_MEASURE} (${count('load')}/${n})` };
  if (count('machine')) return { kind: 'load', text: `machine shared — not a measure (${count('machine')}/${n})` };
  if (count('cores')) return { kind: 'cores', text: `all cores busy (${count('cores')}/${n})` };
  if (count('server')) return { kind: 'server', text: `server (${count('server')}/${n})` };
  return { kind: 'neither', text: 'neither' };
}

export function agg(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, min: v[0], max: v[v.length - 1], n: v.length };
}

const round = (x, digits) => {
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  const f = 10 ** digits;
  return String(Math.round(x * f) / f);
};

/** "median [min–max]" (just the value with one repeat). */
export function fmtAgg(a, digits = 1, unit = '') {
  if (!a) return '-';
  if (a.n === 1 || a.min === a.max) return `${round(a.median, digits)}${unit}`;
  return `${round(a.median, digits)} [${round(a.min, digits)}–${round(a.max, digits)}]${unit}`;
}

/** Least-squares slope of `key` over `samples` ({ tMs, [key]: bytes }), in bytes per minute. */
export function slopePerMin(samples, key) {
  const pts = samples.filter((p) => typeof p[key] === 'number').map((p) => [p.tMs / 60_000, p[key]]);
  if (pts.length < 2) return null;
  const mx = pts.reduce((a, [x]) => a + x, 0) / pts.length;
  const my = pts.reduce((a, [, y]) => a + y, 0) / pts.length;
  let num = 0;
  let den = 0;
  for (const [x, y] of pts) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den ? Math.round(num / den) : null;
}

const kb = (b) => (b == null ? '-' : `${(b / 1024).toFixed(2)} KB`);
const okRuns = (results, scenario) => (results.runs?.[scenario] ?? []).filter((r) => !r.error);
const serversOf = (results) => results.flags.servers;

function stepsBy(results, scenario, server, rate) {
  return okRuns(results, scenario)
    .filter((r) => r.server === server)
    .map((r) => r.steps.find((s) => s.rate === rate))
    .filter(Boolean);
}

const perUnit = (s, unit) => {
  if (s.server?.cpuMs == null) return null;
  const n = unit === 'message' ? s.sent : unit === 'delivery' ? s.delivered : s.opened;
  return n ? (s.server.cpuMs * 1000) / n : null;
};
/**
 * The major GCs (mark-compacts) that started in a step's measured part, in each repeat, as
 * "server / load" (e.g. `0,1,1 / 0,0,0`): one in a 2-s step can set its p99, and one in the
 * load stops the clock that reads the deliveries, so a p99 is read beside them. `-` where
 * not recorded (a server of several processes, or a run from before they were).
 */
export function majorGcsCell(steps) {
  const counts = (of) => {
    const xs = steps.map((s) => of(s)?.majorGcs?.count);
    return xs.length && xs.every((x) => typeof x === 'number') ? xs.join(',') : '-';
  };
  const server = counts((s) => s.server);
  const load = counts((s) => s.load);
  return server === '-' && load === '-' ? '-' : `${server} / ${load}`;
}

/** Deliveries per write system call of the server (its batching, as the kernel saw it). */
const perWrite = (s) => (s.server?.writes ? s.delivered / s.server.writes : null);

function ladderRows(results, scenario, rates, unit) {
  const rows = [];
  for (const rate of rates) {
    for (const server of serversOf(results)) {
      const steps = stepsBy(results, scenario, server, rate);
      if (!steps.length) continue;
      const a = (f) => agg(steps.map(f));
      rows.push({
        rate,
        server,
        bound: boundOf(steps),
        cells: [
          scenario === 'fanout' ? `${fmtIntOrDash(rate)} (${fmtIntOrDash(rate * (steps[0].subscribers ?? 0))} deliv/s)` : fmtIntOrDash(rate),
          label(server),
          fmtAgg(a((s) => s.deliveredRatio * 100), 1, ' %'),
          fmtAgg(a((s) => perUnit(s, unit)), 1),
          fmtAgg(a((s) => perWrite(s)), 1),
          fmtAgg(a((s) => s.latencyMs.p50), 2),
          fmtAgg(a((s) => s.latencyMs.p99), 1),
          majorGcsCell(steps),
          fmtAgg(a((s) => s.server?.cpuPct), 0),
          fmtAgg(a((s) => s.load?.cpuPct), 0),
          fmtAgg(a((s) => s.sendLagMs?.p99), 1),
          boundOf(steps).text,
        ],
      });
    }
  }
  return rows;
}

/** Fan-out and chat steps of servers of several processes (`sinyal-wN`): each process's CPU. */
function partsRows(results) {
  const rows = [];
  for (const [scenario, rates] of [['fanout', results.config.fanoutRates], ['chat', results.config.chatRates]]) {
    for (const rate of rates ?? []) {
      for (const server of serversOf(results)) {
        const runs = okRuns(results, scenario).filter((r) => r.server === server && r.serverRoles);
        const steps = runs.map((r) => r.steps.find((s) => s.rate === rate)).filter((s) => s?.server?.parts);
        if (!steps.length) continue;
        const roles = runs[0].serverRoles;
        const byRole = roles.map((role, i) => `${role} ${fmtAgg(agg(steps.map((s) => s.server.parts[i])), 0)}`).join(', ');
        rows.push([scenario === 'fanout' ? 'fan-out' : 'chat', fmtIntOrDash(rate), label(server), byRole, fmtAgg(agg(steps.map((s) => s.machine?.busyPct)), 0, ' %'), boundOf(steps).text]);
      }
    }
  }
  return rows;
}

function fmtIntOrDash(n) {
  return n == null || Number.isNaN(n) ? '-' : Math.round(n).toLocaleString('en-US');
}

/** Medians of one metric of one server at one step, if that step was a measure for both. */
function ratioAt(results, scenario, rate, f, a = 'sinyal', b = 'socketio') {
  const sa = stepsBy(results, scenario, a, rate);
  const sb = stepsBy(results, scenario, b, rate);
  if (!sa.length || !sb.length) return null;
  const loadBound = boundOf(sa).kind === 'load' || boundOf(sb).kind === 'load';
  const ma = agg(sa.map(f));
  const mb = agg(sb.map(f));
  if (!ma || !mb || !mb.median) return null;
  return { ratio: ma.median / mb.median, a: ma.median, b: mb.median, loadBound };
}

const status = (r, ok) => (r.loadBound ? NOT_A_MEASURE : ok ? 'met' : 'not met');

/**
 * Every table of a results file: `[{ title, headers, rows, notes }]`, plus the targets
 * (Sinyal batched vs socket.io, for information).
 */
export function buildTables(results) {
  const cfg = results.config;
  const out = [];
  const servers = serversOf(results);
  if (results.sizes) {
    out.push({
      title: 'Client bundle size (esbuild, minified, ESM, browser, production; gzip -9)',
      headers: ['bundle', 'version', 'min', 'gzip', 'budget'],
      rows: results.sizes.map((s) => [s.name, s.version, kb(s.minBytes), s.budgetBytes ? `${kb(s.gzipBytes)} (${s.gzipBytes.toLocaleString('en-US')} B)` : kb(s.gzipBytes), s.budgetBytes ? `${s.budgetBytes.toLocaleString('en-US')} B${s.overBudget ? ' OVER' : ' ok'}` : '-']),
    });
  }
  if (results.decode) {
    const d = results.decode;
    out.push({
      title: `Client decode + dispatch of inbound events in Node (${fmtIntOrDash(d.n)} pre-encoded frames, median of ${d.rounds} rounds, browser bundles)`,
      headers: ['client', 'frame bytes', 'events/s'],
      rows: [
        ['@sinyal/client', d.sinyal.frameBytes, fmtIntOrDash(d.sinyal.eventsPerSec)],
        ['socket.io-client', d.socketio?.frameBytes ?? '-', d.socketio?.error ?? fmtIntOrDash(d.socketio?.eventsPerSec)],
      ],
    });
  }
  const ladderHeaders = (unit) => ['offered msg/s', 'server', 'delivered', `srv CPU µs/${unit}`, 'deliveries/srv write', 'p50 ms', 'p99 ms', 'major GCs srv / load', 'srv CPU %', 'load CPU %', 'send lag p99 ms', 'bound'];
  if (okRuns(results, 'fanout').length) {
    out.push({
      id: 'fanout',
      title: `(a) Fan-out: 1 room × ${fmtIntOrDash(cfg.subscribers)} subscribers (+${cfg.publishers} publisher), fixed ladder, every server at every step`,
      headers: ladderHeaders('delivery'),
      rows: ladderRows(results, 'fanout', cfg.fanoutRates, 'delivery').map((r) => r.cells),
    });
  }
  if (okRuns(results, 'chat').length) {
    out.push({
      id: 'chat',
      title: `(b) Chat: ${fmtIntOrDash(cfg.chatClients)} clients in ${fmtIntOrDash(cfg.chatClients / 2)} two-person rooms (each message delivered to both members), fixed ladder`,
      headers: ladderHeaders('message'),
      rows: ladderRows(results, 'chat', cfg.chatRates, 'message').map((r) => r.cells),
    });
  }
  const parts = partsRows(results);
  if (parts.length) {
    out.push({
      id: 'parts',
      title: 'Servers of several processes: CPU of each (% of one core) and how busy the machine was (% of all its cores)',
      headers: ['scenario', 'offered msg/s', 'server', 'CPU by process', 'machine busy', 'bound'],
      rows: parts,
    });
  }
  const conns = okRuns(results, 'connections');
  if (conns.length) {
    out.push({
      id: 'connections',
      title: `(c) Connections: ${fmtIntOrDash(cfg.connWarmup)} opened as a warm-up, then ${fmtIntOrDash(cfg.connections)} measured (handshake + join a room shared by 10); server memory after GC`,
      headers: ['server', 'opened', 'conn/s', 'srv CPU µs/conn', 'RSS/conn', 'heap/conn', 'srv CPU %', 'load CPU %', 'bound'],
      rows: servers
        .map((server) => {
          const rs = conns.filter((r) => r.server === server);
          if (!rs.length) return null;
          const a = (f) => agg(rs.map(f));
          const bound = boundOf(rs.map((r) => ({ loadCpuPct: r.loadCpuPct, server: { cpuPct: r.serverCpuPct }, machine: r.machine, deliveredRatio: r.opened / r.requested })));
          return [label(server), fmtAgg(a((r) => r.opened), 0) + ` / ${fmtIntOrDash(cfg.connections)}`, fmtAgg(a((r) => r.connsPerSec), 0), fmtAgg(a((r) => r.serverUsPerConn), 0), fmtAgg(a((r) => r.rssPerConnBytes / 1024), 2, ' KB'), fmtAgg(a((r) => r.heapUsedPerConnBytes / 1024), 2, ' KB'), fmtAgg(a((r) => r.serverCpuPct), 0), fmtAgg(a((r) => r.loadCpuPct), 0), bound.text];
        })
        .filter(Boolean),
    });
  }
  const storms = okRuns(results, 'storm');
  if (storms.length) {
    out.push({
      id: 'storm',
      title: `(d) Reconnect storm: ${fmtIntOrDash(cfg.stormClients)} SDK clients in ${cfg.stormRooms} rooms, server restarted in place`,
      headers: ['server', 'client', 're-joined', 'all re-joined ms', 'p50 ms', 'p99 ms', 'all resumed ms', 'srv CPU ms'],
      rows: servers
        .map((server) => {
          const rs = storms.filter((r) => r.server === server);
          if (!rs.length) return null;
          const a = (f) => agg(rs.map(f));
          const resumes = rs[0].caughtUp !== undefined;
          return [label(server), rs[0].client, fmtAgg(a((r) => r.rejoined), 0) + ` / ${fmtIntOrDash(rs[0].clients)}`, fmtAgg(a((r) => r.allRejoinedMs), 0), fmtAgg(a((r) => r.rejoinMs?.p50), 0), fmtAgg(a((r) => r.rejoinMs?.p99), 0), resumes ? fmtAgg(a((r) => r.allCaughtUpMs), 0) : 'n/a (no history)', fmtAgg(a((r) => r.serverCpuMs), 0)];
        })
        .filter(Boolean),
    });
  }

  const soaks = okRuns(results, 'soak');
  if (soaks.length) {
    out.push({
      id: 'soak',
      title: `(e) Soak: ${fmtIntOrDash(cfg.soakConnections)} connections in two-person rooms, each pinging every 25 s, + ${cfg.soakRate} chat msg/s for ${cfg.soakMinutes} min (after a warm-up)`,
      headers: ['server', 'open at start / end', 'disconnects', 'delivered', 'p50 ms', 'p99 ms', 'max ms', 'heap slope', 'RSS slope', 'heap after GC start → end', 'srv CPU µs/message', 'srv CPU %', 'load CPU %', 'bound'],
      rows: soaks.map(({ phase: p, ...r }) => [
        label(r.server), `${fmtIntOrDash(p.openAtStart)} / ${fmtIntOrDash(p.openAtEnd)} (of ${fmtIntOrDash(r.requested)})`, fmtIntOrDash(p.disconnects), `${Math.round(p.deliveredRatio * 1000) / 10} %`,
        p.latencyMs.p50, p.latencyMs.p99, p.latencyMs.max,
        `${r.heapSlopeBytesPerMin == null ? '-' : (r.heapSlopeBytesPerMin / 1024).toFixed(1)} KB/min (${r.samples.length} samples)`, `${r.rssSlopeBytesPerMin == null ? '-' : (r.rssSlopeBytesPerMin / 1024).toFixed(1)} KB/min`,
        `${(r.memStart.heapUsed / 2 ** 20).toFixed(1)} → ${(r.memEnd.heapUsed / 2 ** 20).toFixed(1)} MB`, r.serverUsPerMessage, p.server.cpuPct, p.load.cpuPct, boundOf([p]).text,
      ]),
    });
    // The bounded stores at both ends (/metrics), to set the heap's growth against them.
    const withBounds = soaks.filter((r) => r.boundedEnd);
    if (withBounds.length) {
      const mb = (v) => (v == null ? '-' : `${(v / 2 ** 20).toFixed(1)} MB`);
      const n = (v) => (v == null ? '-' : fmtIntOrDash(v));
      out.push({
        id: 'soak-bounds',
        title: 'Soak: the bounded stores from /metrics, after the warm-up → at the end (heap after GC beside them)',
        headers: ['server', 'heap after GC', 'history bytes (max)', 'history events', 'dedupe bytes (max)', 'dedupe outcomes', 'heap slope minus history + dedupe'],
        rows: withBounds.map((r) => {
          const [a, b] = [r.boundedStart ?? {}, r.boundedEnd];
          return [
            label(r.server),
            `${mb(r.memStart.heapUsed)} → ${mb(r.memEnd.heapUsed)}`,
            `${mb(a.sinyal_history_bytes)} → ${mb(b.sinyal_history_bytes)} (${mb(b.sinyal_history_bytes_max)})`,
            `${n(a.sinyal_history_events)} → ${n(b.sinyal_history_events)}`,
            `${mb(a.sinyal_dedupe_bytes)} → ${mb(b.sinyal_dedupe_bytes)} (${mb(b.sinyal_dedupe_bytes_max)})`,
            `${n(a.sinyal_dedupe_outcomes)} → ${n(b.sinyal_dedupe_outcomes)}`,
            r.unaccountedSlopeBytesPerMin == null ? '-' : `${(r.unaccountedSlopeBytesPerMin / 1024).toFixed(1)} KB/min`,
          ];
        }),
      });
    }
  }

  // Sinyal ÷ socket.io at the same offered rate.
  const cmp = [];
  const pairs = servers.includes('socketio') ? servers.filter((s) => s === 'sinyal' || s === 'sinyal-unbatched') : [];
  for (const [scenario, rates, unit] of [['fanout', cfg.fanoutRates, 'delivery'], ['chat', cfg.chatRates, 'message']]) {
    if (!okRuns(results, scenario).length) continue;
    for (const rate of rates) {
      for (const s of pairs) {
        const cpu = ratioAt(results, scenario, rate, (x) => perUnit(x, unit), s);
        const p99 = ratioAt(results, scenario, rate, (x) => x.latencyMs.p99, s);
        if (!cpu) continue;
        cmp.push([scenario === 'fanout' ? 'fan-out' : 'chat', fmtIntOrDash(rate), label(s), `${cpu.ratio.toFixed(2)}×`, p99 ? `${p99.ratio.toFixed(2)}×` : '-', cpu.loadBound ? NOT_A_MEASURE : 'measure']);
      }
    }
  }
  if (cmp.length) {
    out.push({
      id: 'ratios',
      title: 'Sinyal ÷ socket.io at the same offered rate (ratio of medians; below 1 is better for Sinyal)',
      headers: ['scenario', 'offered msg/s', 'Sinyal', 'srv CPU per delivery / message', 'p99', 'step'],
      rows: cmp,
    });
  }

  const targets = [];
  const core = results.sizes?.find((s) => s.name.startsWith('sinyal client core'));
  if (core) targets.push([`client core ≤ ${core.budgetBytes.toLocaleString('en-US')} B gzip`, `${core.gzipBytes.toLocaleString('en-US')} B`, core.overBudget ? 'not met' : 'met']);
  for (const a of results.sizes?.filter((s) => s.name.includes('adapter')) ?? []) targets.push([`${a.name.split(' ')[0]} ≤ 2 KB gzip`, kb(a.gzipBytes), a.gzipBytes <= 2048 ? 'met' : 'not met']);
  if (servers.includes('sinyal') && servers.includes('socketio')) {
    const lat = ratioAt(results, 'fanout', cfg.latencyRate, (x) => x.latencyMs.p99);
    if (lat) targets.push([`fan-out p99 @${cfg.latencyRate} msg/s ≤ ½ socket.io`, `${lat.ratio.toFixed(2)}× (${lat.a.toFixed(1)} vs ${lat.b.toFixed(1)} ms)`, status(lat, lat.ratio <= 0.5)]);
    // Throughput: at the highest step that was a measure for both (no per-server choice).
    const common = [...(cfg.fanoutRates ?? [])].reverse().map((rate) => ({ rate, r: ratioAt(results, 'fanout', rate, (x) => x.deliveriesPerSec) })).find((x) => x.r && !x.r.loadBound);
    if (common) targets.push([`fan-out deliveries/s ≥ 2× socket.io (highest step not load-bound: ${common.rate} msg/s)`, `${common.r.ratio.toFixed(2)}×`, status(common.r, common.r.ratio >= 2)]);
    else if (okRuns(results, 'fanout').length) targets.push(['fan-out deliveries/s ≥ 2× socket.io', 'every step load-bound for one of them', NOT_A_MEASURE]);
    for (const rate of cfg.chatRates ?? []) {
      const r = ratioAt(results, 'chat', rate, (x) => x.latencyMs.p99);
      if (r) targets.push([`chat p99 @${rate} msg/s ≤ ½ socket.io`, `${r.ratio.toFixed(2)}× (${r.a.toFixed(1)} vs ${r.b.toFixed(1)} ms)`, status(r, r.ratio <= 0.5)]);
    }
    const cs = conns.filter((r) => r.server === 'sinyal');
    const cio = conns.filter((r) => r.server === 'socketio');
    if (cs.length && cio.length) {
      for (const [name, key] of [['RSS', 'rssPerConnBytes'], ['heap', 'heapUsedPerConnBytes']]) {
        const m = agg(cs.map((r) => r[key])).median / agg(cio.map((r) => r[key])).median;
        targets.push([`memory/conn ≤ ½ socket.io (${name})`, `${m.toFixed(2)}×`, m <= 0.5 ? 'met' : 'not met']);
      }
    }
  }
  if (targets.length) out.push({ id: 'targets', title: 'Targets (Sinyal batched vs socket.io, medians; for information)', headers: ['target', 'Sinyal / socket.io', 'status'], rows: targets });
  return out;
}

/** The lines describing the run: date, machine, load average, flags and sizes used. */
export function describeRun(results) {
  const m = results.machine;
  const cfg = results.config;
  const sizes = results.kind === 'soak'
    ? `Sizes: soak ${cfg.soakConnections} connections, ${cfg.soakRate} msg/s, ${cfg.soakMinutes} min.`
    : `Sizes: fan-out ${cfg.subscribers} subscribers at ${cfg.fanoutRates.join(', ')} msg/s; chat ${cfg.chatClients} clients at ${cfg.chatRates.join(', ')} msg/s; ${cfg.prewarmMs ? `the code warmed up for ${cfg.prewarmMs} ms before each ladder; ` : ''}each step ${cfg.warmupMs} ms warm-up + ${cfg.stepMs} ms measured; connections ${cfg.connWarmup} warm-up + ${cfg.connections} measured; storm ${cfg.stormClients} clients.`;
  return [
    `Run of ${m.date} (${results.totalSeconds} s${results.flags.quick ? ', --quick: a smoke run of the suite, sizes too small to be figures' : ''}).`,
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${fmtIntOrDash(m.totalMemMB)} MB RAM, ${m.platform}, Node ${m.node}, ulimit -n ${m.ulimitN ?? '?'}, ephemeral ports ${m.ephemeralPorts ?? '?'}.`,
    `Load average (1, 5, 15 min) at start ${m.loadavgAtStart.join(' ')}, at end ${(m.loadavgAtEnd ?? []).join(' ')}.`,
    results.kind === 'soak'
      ? `Flags: \`${results.flags.argv.join(' ')}\`; server${results.flags.servers.length === 1 ? '' : 's'}: ${results.flags.servers.map(label).join(', ')}.`
      : `Flags: \`${results.flags.argv.length ? results.flags.argv.join(' ') : '(none)'}\`; ${results.flags.repeat} repeat(s), servers alternating in rotated order within each repeat: ${results.flags.servers.map(label).join(', ')}.`,
    sizes,
  ];
}
