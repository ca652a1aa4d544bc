#!/usr/bin/env node
// Runs N sinyal-server nodes on one Redis behind a round-robin load balancer (the one the
// multi-node tests use), for trying scale-out locally:
//
//   npm run build && npm run cluster -w @sinyal/server -- --nodes 3 --port 8080 [--redis redis://127.0.0.1:6379]
//
// Clients connect to ws://127.0.0.1:<port>/ws; nodes listen on <port>+1 … <port>+N.
// Kill one (its pid is printed) and watch its clients move to the others. Ctrl-C stops all.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '3' },
    port: { type: 'string', default: '8080' },
    redis: { type: 'string', default: process.env.SINYAL_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    prefix: { type: 'string', default: 'sinyal:' },
  },
});
const count = Number(values.nodes);
const port = Number(values.port);
const secret = process.env.SINYAL_JWT_SECRET ?? randomBytes(32).toString('base64url');
const publishSecret = process.env.SINYAL_PUBLISH_SECRET ?? randomBytes(32).toString('base64url');

// The load balancer lives in test-utils (TypeScript): bundle it on the fly (esbuild is a dev dependency).
const { build } = await import('esbuild');
const lbFile = `${tmpdir()}/sinyal-lb-${process.pid}.mjs`;
await build({ entryPoints: [here('../../../test-utils/loadBalancer.ts')], outfile: lbFile, bundle: true, platform: 'node', format: 'esm', logLevel: 'silent' });
const { createLoadBalancer } = await import(lbFile);
const { createDevToken } = await import(here('../dist/index.js'));

const children = [];
process.on('exit', () => children.forEach((child) => child.kill('SIGTERM')));
for (let i = 1; i <= count; i++) {
  const child = spawn(
    process.execPath,
    // --dev: the open demo:* rooms and /metrics without a token (a local trial, not production).
    [here('../dist/cli.js'), '--dev', '--port', String(port + i), '--redis', values.redis, '--redis-prefix', values.prefix, '--secret', secret, '--publish-secret', publishSecret],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const tag = (chunk) => String(chunk).trimEnd().split('\n').map((line) => `[node ${i} pid ${child.pid}] ${line}`).join('\n');
  child.stdout.on('data', (chunk) => console.log(tag(chunk)));
  child.stderr.on('data', (chunk) => console.error(tag(chunk)));
  child.on('exit', (code, signal) => console.log(`[node ${i}] exited (${signal ?? code})`));
  children.push(child);
}

async function healthy(p) {
  try {
    return (await fetch(`http://127.0.0.1:${p}/health`)).ok;
  } catch {
    return false;
  }
}
for (let i = 1; i <= count; i++) while (!(await healthy(port + i))) await new Promise((r) => setTimeout(r, 100));

const lb = await createLoadBalancer({ backends: children.map((_, i) => port + i + 1), port });
const token = await createDevToken(secret, 'dev', 3600);
console.log(`
${count} nodes on ${values.redis} (prefix ${values.prefix}) behind ws://127.0.0.1:${lb.port}/ws
  nodes:          ${children.map((c, i) => `127.0.0.1:${port + i + 1} (pid ${c.pid})`).join(', ')}
  health:         curl http://127.0.0.1:${port + 1}/health
  publish secret: ${publishSecret}
  dev token:      ${token}   (user "dev", valid 1 h; rooms demo:* are open)
Ctrl-C stops everything.`);

const stop = async () => {
  for (const child of children) child.kill('SIGTERM');
  await lb.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
