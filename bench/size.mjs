// Client bundle sizes: Sinyal (core, everything, each adapter) next to socket.io-client, phoenix and
// centrifuge, each bundled the same way in the same run (esbuild, minified, ESM, browser, production,
// gzip -9), through the same scripts/bundleSize.mjs as the budget check (scripts/size.mjs): Sinyal's
// packages from their built dist/. Scenario for every library: connect + join a room/channel + subscribe.
// Run standalone: node bench/size.mjs
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ADAPTER_BUDGET, bundleSize, CLIENT_CORE_BUDGET } from '../scripts/bundleSize.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const version = (pkg) => {
  try {
    return JSON.parse(readFileSync(`${root}node_modules/${pkg}/package.json`, 'utf8')).version;
  } catch {
    return undefined;
  }
};

export const scenarios = [
  {
    name: 'sinyal client core: connect + room + subscribe',
    lib: 'sinyal', budget: CLIENT_CORE_BUDGET,
    code: `import { createClient } from '@sinyal/client';
const client = createClient({ url: 'wss://example.test/ws', token: () => 't' });
client.room('demo:lobby').on('demo:message', (m) => console.log(m));`,
  },
  { name: 'sinyal client, all exports', lib: 'sinyal', code: `export * from '@sinyal/client';` },
  {
    name: '@sinyal/react adapter (excl. client, react)',
    lib: 'sinyal', budget: ADAPTER_BUDGET,
    code: `export * from '@sinyal/react';`,
    external: ['react', 'react/jsx-runtime', '@sinyal/client', '@sinyal/protocol'],
  },
  {
    name: '@sinyal/vue adapter (excl. client, vue)',
    lib: 'sinyal', budget: ADAPTER_BUDGET,
    code: `export * from '@sinyal/vue';`,
    external: ['vue', '@sinyal/client', '@sinyal/protocol'],
  },
  {
    name: 'socket.io-client: connect + join + on',
    lib: 'socket.io-client',
    code: `import { io } from 'socket.io-client';
const socket = io('https://example.test', { transports: ['websocket'] });
socket.on('connect', () => socket.emit('join', 'demo:lobby'));
socket.on('demo:message', (m) => console.log(m));`,
  },
  {
    name: 'socket.io-client (default transports)',
    lib: 'socket.io-client',
    code: `import { io } from 'socket.io-client';
const socket = io('https://example.test');
socket.on('connect', () => socket.emit('join', 'demo:lobby'));
socket.on('demo:message', (m) => console.log(m));`,
  },
  {
    name: 'phoenix: socket + channel.join + on',
    lib: 'phoenix',
    code: `import { Socket } from 'phoenix';
const socket = new Socket('wss://example.test/socket', { params: { token: 't' } });
socket.connect();
const channel = socket.channel('demo:lobby', {});
channel.on('demo:message', (m) => console.log(m));
channel.join();`,
  },
  {
    name: 'centrifuge: connect + subscription + on',
    lib: 'centrifuge',
    code: `import { Centrifuge } from 'centrifuge';
const client = new Centrifuge('wss://example.test/connection/websocket', { token: 't' });
const sub = client.newSubscription('demo:lobby');
sub.on('publication', (ctx) => console.log(ctx.data));
sub.subscribe();
client.connect();`,
  },
];

export async function measureSizes() {
  const out = [];
  for (const s of scenarios) {
    const { minBytes, gzipBytes: gzip } = await bundleSize(s.code, s.external);
    out.push({ name: s.name, lib: s.lib, version: s.lib === 'sinyal' ? 'workspace' : version(s.lib), minBytes, gzipBytes: gzip, budgetBytes: s.budget ?? null, overBudget: s.budget ? gzip > s.budget : null });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await measureSizes()) console.log(r.name.padEnd(48), `${(r.minBytes / 1024).toFixed(2)} KB`.padStart(10), `${(r.gzipBytes / 1024).toFixed(2)} KB gz`.padStart(12), r.budgetBytes ? `budget ${r.budgetBytes.toLocaleString('en-US')} B${r.overBudget ? ' OVER' : ''}` : '');
}
