// Latency histogram (log buckets, 1 % resolution from 1 µs to ~10 min) and small formatting helpers.
const BASE = 0.001; // ms
const FACTOR = Math.log(1.01);
const BUCKETS = 2100;

export class Histogram {
  constructor() {
    this.counts = new Float64Array(BUCKETS);
    this.n = 0;
    this.max = 0;
    this.sum = 0;
  }
  record(ms) {
    if (!(ms >= 0)) ms = 0;
    this.n++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
    let i = ms <= BASE ? 0 : Math.ceil(Math.log(ms / BASE) / FACTOR);
    if (i >= BUCKETS) i = BUCKETS - 1;
    this.counts[i]++;
  }
  percentile(p) {
    if (this.n === 0) return null;
    const target = Math.ceil((p / 100) * this.n);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= target) return Math.min(BASE * Math.exp(i * FACTOR), this.max);
    }
    return this.max;
  }
  summary() {
    if (this.n === 0) return { n: 0 };
    return { n: this.n, p50: r3(this.percentile(50)), p90: r3(this.percentile(90)), p99: r3(this.percentile(99)), max: r3(this.max), mean: r3(this.sum / this.n) };
  }
}

export const r3 = (x) => (x == null ? x : Math.round(x * 1000) / 1000);
export const r1 = (x) => (x == null ? x : Math.round(x * 10) / 10);

/** CPU ms (user+system) between two process.cpuUsage() readings. */
export function cpuMs(before, after) {
  return (after.user - before.user + after.system - before.system) / 1000;
}

export function fmtInt(n) {
  if (n == null || Number.isNaN(n)) return '-';
  return Math.round(n).toLocaleString('en-US');
}

export function table(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map((c) => (c == null ? '-' : String(c))));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function mdTable(headers, rows) {
  const esc = (c) => (c == null ? '-' : String(c).replace(/\|/g, '\\|'));
  return [`| ${headers.map(esc).join(' | ')} |`, `|${headers.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}
