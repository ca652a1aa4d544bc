// The rules bench/run.mjs and bench/report-md.mjs apply to a run's figures: which process was
// the bound, when a step is no measure, medians and ranges over repeats, the generated section.
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM module of the bench, without types
import { agg, boundOf, buildTables, classify, fmtAgg, majorGcsCell, NOT_A_MEASURE, slopePerMin } from '../bench/lib/report.mjs';
// @ts-expect-error plain ESM module of the bench, without types
import { END, renderSection, replaceSection, SOAK_END, SOAK_START, START, WORKERS_END, WORKERS_START } from '../bench/report-md.mjs';
// @ts-expect-error plain ESM module of the bench, without types
import { machineDelta, machineSample, procCpuMs, procDelta, procSample } from '../bench/lib/proc.mjs';

type Step = Record<string, unknown>;
const step = (over: Step = {}): Step => ({
  rate: 50,
  subscribers: 100,
  sent: 100,
  delivered: 10_000,
  deliveredRatio: 1,
  drained: true,
  latencyMs: { p50: 1, p99: 4 },
  sendLagMs: { p99: 2 },
  behind: false,
  server: { cpuMs: 100, cpuPct: 40, writes: 1000 },
  load: { cpuMs: 80, cpuPct: 30 },
  machine: { busyPct: 40 },
  ...over,
});

describe('bench report rules', () => {
  it('names the bound of a step: load (behind schedule or ≥ 90 % of a core), machine (others ≥ 25 % of a core), server, neither', () => {
    expect(classify(step())).toBe('neither');
    expect(classify(step({ behind: true }))).toBe('load');
    expect(classify(step({ load: { cpuPct: 90 } }))).toBe('load');
    expect(classify(step({ server: { cpuPct: 95 } }))).toBe('server');
    expect(classify(step({ deliveredRatio: 0.9 }))).toBe('server');
    expect(classify(step({ drained: false }))).toBe('server');
    expect(classify(step({ machine: { busyPct: 97, othersCpuPct: 60 } }))).toBe('machine');
    expect(classify(step({ deliveredRatio: 0.9, machine: { busyPct: 60, othersCpuPct: 10 } }))).toBe('server');
    // A load-bound step stays load-bound whatever the server did.
    expect(classify(step({ behind: true, server: { cpuPct: 99 } }))).toBe('load');
  });

  it('makes a step no measure if any repeat was load-bound or on a shared machine', () => {
    expect(boundOf([step(), step({ behind: true }), step()])).toEqual({ kind: 'load', text: `${NOT_A_MEASURE} (1/3)` });
    expect(boundOf([step(), step({ machine: { busyPct: 99, othersCpuPct: 120 } })])).toEqual({ kind: 'load', text: 'machine shared — not a measure (1/2)' });
    expect(boundOf([step(), step({ server: { cpuPct: 92 } })])).toEqual({ kind: 'server', text: 'server (1/2)' });
    expect(boundOf([step(), step()])).toEqual({ kind: 'neither', text: 'neither' });
  });

  it('reports the median and range of the repeats', () => {
    expect(agg([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(agg([4, 1, 2, 3])).toEqual({ median: 2.5, min: 1, max: 4, n: 4 });
    expect(agg([null, Number.NaN])).toBeNull();
    expect(fmtAgg(agg([12.34, 10, 15]), 1)).toBe('12.3 [10–15]');
    expect(fmtAgg(agg([7]), 1, ' ms')).toBe('7 ms');
    expect(fmtAgg(null)).toBe('-');
  });

  it('never calls a target met when either step was load-bound, and compares servers at the same step only', () => {
    const fanout = (server: string, rep: number, over: Step) => ({ rep, position: 0, server, setup: {}, steps: [step({ rate: 50, ...over })] });
    const results = {
      schema: 2,
      flags: { argv: ['--repeat=2'], quick: false, repeat: 2, servers: ['sinyal', 'socketio'] },
      config: { subscribers: 100, publishers: 1, fanoutRates: [50], latencyRate: 50, chatRates: [], warmupMs: 1000, stepMs: 2500, chatClients: 0, connWarmup: 0, connections: 0, stormClients: 0 },
      machine: { date: 'd', cpuModel: 'cpu', cores: 2, totalMemMB: 1024, platform: 'linux', node: 'v20', loadavgAtStart: [0.1, 0.1, 0.1], loadavgAtEnd: [0.2, 0.2, 0.2] },
      runs: {
        fanout: [
          // Sinyal's p99 is far below socket.io's, but one of its repeats was load-bound.
          fanout('sinyal', 0, { latencyMs: { p50: 1, p99: 1 } }),
          fanout('socketio', 0, { latencyMs: { p50: 1, p99: 10 } }),
          fanout('socketio', 1, { latencyMs: { p50: 1, p99: 10 } }),
          fanout('sinyal', 1, { latencyMs: { p50: 1, p99: 1 }, load: { cpuPct: 99 } }),
        ],
        chat: [],
        connections: [],
        storm: [],
      },
      totalSeconds: 1,
    };
    const tables = buildTables(results);
    const targets = tables.find((t: { id?: string }) => t.id === 'targets');
    const p99 = targets.rows.find((r: string[]) => r[0]!.startsWith('fan-out p99'));
    expect(p99[2]).toBe(NOT_A_MEASURE);
    expect(targets.rows.every((r: string[]) => r[2] !== 'met')).toBe(true);
    const rows = tables.find((t: { id?: string }) => t.id === 'fanout').rows;
    expect(rows.map((r: string[]) => r[1])).toEqual(['Sinyal (batched)', 'socket.io 4']);
    expect(rows[0].at(-1)).toBe(`${NOT_A_MEASURE} (1/2)`);
    // Server CPU per delivery: 100 ms over 10,000 deliveries = 10 µs; 10 deliveries per write.
    expect(rows[1][3]).toBe('10');
    expect(rows[1][4]).toBe('10');

    const section = renderSection(results);
    expect(section.startsWith(START) && section.endsWith(END)).toBe(true);
    for (const text of ['Run of d', 'Load average (1, 5, 15 min) at start 0.1 0.1 0.1, at end 0.2 0.2 0.2', '`--repeat=2`', 'cpu, 2 cores']) expect(section).toContain(text);
    const doc = `# Title\n\nprose\n\n${START}\nold\n${END}\n\nmore prose\n`;
    const updated = replaceSection(doc, section);
    expect(updated).toContain('prose\n\n<!-- bench:generated:start -->');
    expect(updated).not.toContain('\nold\n');
    expect(updated.endsWith(`${END}\n\nmore prose\n`)).toBe(true);
    expect(() => replaceSection('# no markers', section)).toThrow(/no <!-- bench:generated:start -->/);
    expect(() => renderSection({ ...results, schema: 1 })).toThrow(/older bench/);
  });

  it("shows each repeat's major GCs of the server and of the load beside a step's p99", () => {
    const gcs = (count: number) => ({ count, maxMs: count ? 9 : 0, totalMs: count * 9, inWarmup: 0 });
    const withGcs = (srv: number, load: number) => step({ server: { cpuMs: 100, cpuPct: 40, majorGcs: gcs(srv) }, load: { cpuMs: 80, cpuPct: 30, majorGcs: gcs(load) } });
    expect(majorGcsCell([withGcs(0, 0), withGcs(1, 5), withGcs(2, 0)])).toBe('0,1,2 / 0,5,0');
    // A server of several processes records none (null); the load's are still shown.
    expect(majorGcsCell([step({ server: { cpuMs: 1, majorGcs: null }, load: { cpuMs: 1, majorGcs: gcs(1) } })])).toBe('- / 1');
    // A run from before they were recorded.
    expect(majorGcsCell([step(), step()])).toBe('-');
    const results = {
      schema: 2,
      flags: { argv: [], quick: false, repeat: 2, servers: ['sinyal'] },
      config: { subscribers: 0, publishers: 1, fanoutRates: [], latencyRate: 50, chatRates: [4000], warmupMs: 1000, stepMs: 2000, chatClients: 2000, connWarmup: 0, connections: 0, stormClients: 0 },
      machine: { date: 'd', cpuModel: 'cpu', cores: 2, totalMemMB: 1024, platform: 'linux', node: 'v20', loadavgAtStart: [0, 0, 0], loadavgAtEnd: [0, 0, 0] },
      runs: { fanout: [], chat: [0, 1].map((rep) => ({ rep, position: 0, server: 'sinyal', setup: {}, steps: [{ ...withGcs(rep, 3 * rep), rate: 4000 }] })), connections: [], storm: [] },
      totalSeconds: 1,
    };
    const chat = buildTables(results).find((t: { id?: string }) => t.id === 'chat');
    const column = chat.headers.indexOf('major GCs srv / load');
    expect(column).toBe(chat.headers.indexOf('p99 ms') + 1);
    expect(chat.rows[0][column]).toBe('0,1 / 0,3');
  });

  it('fits the memory slope of a soak by least squares, in bytes per minute', () => {
    const line = [0, 30_000, 60_000, 90_000, 120_000].map((tMs) => ({ tMs, heapUsed: 50e6 + (tMs / 60_000) * 1000 }));
    expect(slopePerMin(line, 'heapUsed')).toBe(1000);
    // A sawtooth around a flat line has no slope.
    const flat = Array.from({ length: 60 }, (_, i) => ({ tMs: i * 5000, heapUsed: 50e6 + (i % 2 ? 4e6 : -4e6) }));
    expect(Math.abs(slopePerMin(flat, 'heapUsed'))).toBeLessThan(0.1 * 4e6);
    expect(slopePerMin([{ tMs: 0, heapUsed: 1 }], 'heapUsed')).toBeNull();
  });

  it('writes a soak into its own section of the document', () => {
    const phase = { openAtStart: 10, openAtEnd: 10, disconnects: 0, deliveredRatio: 1, latencyMs: { p50: 1, p99: 3, max: 9 }, server: { cpuPct: 5 }, load: { cpuPct: 5 }, machine: { othersCpuPct: 1 }, behind: false, drained: true };
    const run = { rep: 0, position: 0, server: 'sinyal', requested: 10, phase, samples: [{}, {}], heapSlopeBytesPerMin: 2048, rssSlopeBytesPerMin: -1024, memStart: { heapUsed: 2 ** 20 }, memEnd: { heapUsed: 2 ** 21 }, serverUsPerMessage: 99 };
    const results = {
      schema: 2,
      kind: 'soak',
      flags: { argv: ['--soak'], quick: false, repeat: 3, servers: ['sinyal'] },
      config: { soakConnections: 10, soakRate: 100, soakMinutes: 5 },
      machine: { date: 'd', cpuModel: 'cpu', cores: 2, totalMemMB: 1024, platform: 'linux', node: 'v20', loadavgAtStart: [0, 0, 0], loadavgAtEnd: [0, 0, 0] },
      runs: { soak: [run] },
      totalSeconds: 1,
    };
    const section = renderSection(results);
    expect(section.startsWith(SOAK_START) && section.endsWith(SOAK_END)).toBe(true);
    expect(section).toContain('| Sinyal (batched) | 10 / 10 (of 10) | 0 | 100 % | 1 | 3 | 9 | 2.0 KB/min (2 samples) | -1.0 KB/min | 1.0 → 2.0 MB | 99 | 5 | 5 | neither |');
    const doc = `${START}\nsuite\n${END}\n${SOAK_START}\nold soak\n${SOAK_END}\n`;
    const updated = replaceSection(doc, section);
    expect(updated).toContain(`${START}\nsuite\n${END}`);
    expect(updated).not.toContain('old soak');
  });

  it('a server of several processes (cluster workers + Redis) is bound by its busiest process, or by the machine when every core is busy', () => {
    const parts = (cpuPcts: number[], busyPct: number, over: Step = {}) => step({ server: { cpuMs: 100, cpuPct: cpuPcts.reduce((a, b) => a + b, 0), parts: cpuPcts }, machine: { busyPct, othersCpuPct: 5 }, ...over });
    expect(classify(parts([0, 60, 60, 20], 80))).toBe('neither'); // 140 % in all, no process near a core
    expect(classify(parts([0, 95, 40, 10], 85))).toBe('server');
    expect(classify(parts([0, 70, 70, 20], 93))).toBe('cores');
    expect(classify(parts([0, 70, 70, 20], 93, { load: { cpuPct: 92 } }))).toBe('load');
    expect(boundOf([parts([0, 70, 70, 20], 93), parts([0, 60, 60, 20], 80)])).toEqual({ kind: 'cores', text: 'all cores busy (1/2)' });
  });

  it('writes a workers run into its own section, with each process’s CPU', () => {
    const s = step({ server: { cpuMs: 100, cpuPct: 130, writes: 10, parts: [0, 60, 55, 15] }, machine: { busyPct: 70, othersCpuPct: 2 } });
    const results = {
      schema: 2,
      kind: 'workers',
      flags: { argv: [], quick: false, repeat: 1, servers: ['sinyal-w2'] },
      config: { subscribers: 100, publishers: 1, fanoutRates: [50], chatRates: [] },
      machine: { date: 'd', cpuModel: 'cpu', cores: 2, totalMemMB: 1024, platform: 'linux', node: 'v20', loadavgAtStart: [0, 0, 0], loadavgAtEnd: [0, 0, 0] },
      runs: { fanout: [{ rep: 0, position: 0, server: 'sinyal-w2', serverRoles: ['primary', 'worker 1', 'worker 2', 'redis-server'], setup: {}, steps: [s] }], chat: [] },
      totalSeconds: 1,
    };
    const section = renderSection(results);
    expect(section.startsWith(WORKERS_START) && section.endsWith(WORKERS_END)).toBe(true);
    expect(section).toContain('| fan-out | 50 | Sinyal, 2 workers + Redis | primary 0, worker 1 60, worker 2 55, redis-server 15 | 70 % | neither |');
    const doc = `${START}
suite
${END}
${WORKERS_START}
old
${WORKERS_END}
`;
    expect(replaceSection(doc, section)).toBe(`${START}
suite
${END}
${section}
`);
  });

  it('sums the CPU of several processes', () => {
    const one = procSample();
    const two = procSample([process.pid, process.pid]);
    expect(two.cpuMs).toBeGreaterThanOrEqual(2 * one.cpuMs);
  });

  it('reads CPU time and write calls of a process, and the machine, from /proc', () => {
    const a = procSample();
    const m0 = machineSample();
    let x = 0;
    for (let i = 0; i < 5e7; i++) x += i;
    expect(x).toBeGreaterThan(0);
    const d = procDelta(a, procSample());
    expect(d.cpuMs).toBeGreaterThan(0);
    expect(procCpuMs(process.pid)).toBeGreaterThan(0);
    expect(procCpuMs(2 ** 30)).toBeNull();
    const m = machineDelta(m0, machineSample(), d.cpuMs);
    expect(m.busyPct).toBeGreaterThan(0);
    expect(m.busyPct).toBeLessThanOrEqual(100);
  });
});
