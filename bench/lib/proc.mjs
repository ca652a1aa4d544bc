// CPU time and write system calls of any process on this machine, read from /proc (Linux):
// the orchestrator and the load generator read the server's and their own the same way.
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond = 100;
try {
  ticksPerSecond = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
} catch {}

/** CPU time (user + system, all threads) of `pid` so far, in ms; null if /proc cannot tell. */
export function procCpuMs(pid = process.pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after "pid (comm) ": state ppid … utime is field 14, stime field 15 (1-based).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return null;
  }
}

/** Write-type system calls (write, writev…) made by `pid` so far; null if /proc/<pid>/io is unreadable. */
export function procWriteCalls(pid = process.pid) {
  try {
    const m = /^syscw:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'latin1'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** A reading of both, to subtract with {@link procDelta}. */
export function procSample(pid = process.pid) {
  return { cpuMs: procCpuMs(pid), writes: procWriteCalls(pid), at: performance.now() };
}

/** CPU ms, share of one core (%) and write calls between two samples of one process. */
export function procDelta(a, b) {
  const wallMs = b.at - a.at;
  const cpuMs = a.cpuMs == null || b.cpuMs == null ? null : b.cpuMs - a.cpuMs;
  return {
    cpuMs,
    cpuPct: cpuMs == null || wallMs <= 0 ? null : Math.round((cpuMs / wallMs) * 1000) / 10,
    writes: a.writes == null || b.writes == null ? null : b.writes - a.writes,
    wallMs: Math.round(wallMs * 10) / 10,
  };
}

/** CPU time of the whole machine so far (all cores, from /proc/stat), in ms: busy and idle. */
export function machineSample() {
  try {
    const line = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0];
    const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
    const toMs = (ticks) => (ticks * 1000) / ticksPerSecond;
    return { busyMs: toMs(user + nice + system + irq + softirq + steal), idleMs: toMs(idle + iowait), at: performance.now() };
  } catch {
    return null;
  }
}

/**
 * The machine between two samples: busy share of all its cores (%), and the CPU (% of one
 * core) used by processes other than `ours` (the CPU ms of the processes measured).
 */
export function machineDelta(a, b, oursCpuMs = 0) {
  if (!a || !b) return null;
  const busy = b.busyMs - a.busyMs;
  const total = busy + (b.idleMs - a.idleMs);
  const wallMs = b.at - a.at;
  return {
    busyPct: total > 0 ? Math.round((busy / total) * 1000) / 10 : null,
    othersCpuPct: wallMs > 0 ? Math.round((Math.max(0, busy - oursCpuMs) / wallMs) * 1000) / 10 : null,
  };
}
