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

/**
 * A reading of both, to subtract with {@link procDelta}. `pid` may be a list (a server of
 * several processes: cluster workers, Redis): their CPU time and write calls are summed.
 */
export function procSample(pid = process.pid) {
  if (Array.isArray(pid)) {
    const parts = pid.map((p) => procSample(p));
    const sum = (k) => (parts.some((x) => x[k] == null) ? null : parts.reduce((a, x) => a + x[k], 0));
    return { cpuMs: sum('cpuMs'), writes: sum('writes'), at: performance.now() };
  }
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

/**
 * CPU time of the whole machine so far (all cores, from /proc/stat), in ms: time in tasks
 * (user, nice, system, and steal — time the hypervisor gave to other guests), in interrupts
 * (irq, softirq: over loopback that is mostly the measured processes' own network traffic,
 * which a kernel with IRQ time accounting charges to no process), and idle.
 */
export function machineSample() {
  try {
    const line = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0];
    const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
    const toMs = (ticks) => (ticks * 1000) / ticksPerSecond;
    return { taskMs: toMs(user + nice + system + steal), irqMs: toMs(irq + softirq), idleMs: toMs(idle + iowait), at: performance.now() };
  } catch {
    return null;
  }
}

/**
 * The machine between two samples: busy share of all its cores (%), interrupt time (% of one
 * core), and the CPU (% of one core) used by processes other than ours (`oursCpuMs`: the CPU
 * ms of the processes measured). Interrupt time is left out of the others' share, since it
 * cannot be told apart from our own traffic's.
 */
export function machineDelta(a, b, oursCpuMs = 0) {
  if (!a || !b) return null;
  const task = b.taskMs - a.taskMs;
  const irq = b.irqMs - a.irqMs;
  const total = task + irq + (b.idleMs - a.idleMs);
  const wallMs = b.at - a.at;
  const pctOfCore = (ms) => (wallMs > 0 ? Math.round((ms / wallMs) * 1000) / 10 : null);
  return {
    busyPct: total > 0 ? Math.round(((task + irq) / total) * 1000) / 10 : null,
    irqCpuPct: pctOfCore(irq),
    othersCpuPct: pctOfCore(Math.max(0, task - oursCpuMs)),
  };
}
