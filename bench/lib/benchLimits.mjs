// The limits of every Sinyal server under benchmark (bench/servers/sinyal.mjs and the paired
// CPU benches): out of the way of a load that comes from one address and one machine.
export const BENCH_LIMITS = Object.freeze({
  messagesPerSecond: 1e6,
  burst: 1e6,
  maxConnectionsPerUser: 100_000,
  // Every load client connects from 127.0.0.1.
  maxConnections: 200_000,
  maxConnectionsPerIp: 200_000,
  maxBufferedBytes: 64 * 1024 * 1024,
  // Raw load clients do not ping; keep them from being evicted during long scenarios.
  heartbeatTimeoutMs: 10 * 60_000,
});
