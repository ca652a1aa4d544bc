#!/usr/bin/env node
// Size budget check: bundles small apps that use the built packages the way a web app would
// (esbuild, minified, browser, production) and reports the gzip size against the budget.
// Run: npm run size   (builds what is stale first; exits 1 when a budget is exceeded)
import { ADAPTER_BUDGET, bundleSize, CLIENT_CORE_BUDGET } from './bundleSize.mjs';

const scenarios = [
  {
    name: 'client core: createClient + room + subscribe',
    budget: CLIENT_CORE_BUDGET,
    code: `import { createClient } from '@sinyal/client';
const client = createClient({ url: 'wss://example.test/ws', token: () => 't' });
client.room('demo:lobby').on('demo:message', (m) => console.log(m));`,
  },
  {
    name: 'client HTTP fallback (@sinyal/client/http)',
    budget: 2500,
    code: `export * from '@sinyal/client/http';`,
    external: ['@sinyal/protocol'],
  },
  {
    name: 'client everything (all exports)',
    budget: undefined,
    code: `export * from '@sinyal/client';`,
  },
  {
    name: 'client core + tabs: createSharedClient + room',
    budget: undefined,
    code: `import { createSharedClient } from '@sinyal/client/tabs';
const client = createSharedClient({ url: 'wss://example.test/ws', token: () => 't' });
client.room('demo:lobby').on('demo:message', (m) => console.log(m));`,
  },
  {
    name: '@sinyal/client/push (Web Push; with the core it uses)',
    budget: undefined,
    code: `export * from '@sinyal/client/push';`,
  },
  {
    name: '@sinyal/react (all hooks; excl. client, react)',
    budget: ADAPTER_BUDGET,
    code: `export * from '@sinyal/react';`,
    external: ['react', 'react/jsx-runtime', '@sinyal/client', '@sinyal/protocol'],
  },
  {
    name: '@sinyal/vue (all composables; excl. client, vue)',
    budget: ADAPTER_BUDGET,
    code: `export * from '@sinyal/vue';`,
    external: ['vue', '@sinyal/client', '@sinyal/protocol'],
  },
];

let failed = false;
console.log('scenario (built packages, esbuild --minify, gzip -9)'.padEnd(52), 'min'.padStart(9), 'gzip'.padStart(9), 'budget'.padStart(9));
for (const scenario of scenarios) {
  const { bytes, gzipBytes: gzip } = await bundleSize(scenario.code, scenario.external);
  const over = scenario.budget !== undefined && gzip > scenario.budget;
  failed ||= over;
  const b = (n) => `${n.toLocaleString('en-US')} B`;
  console.log(scenario.name.padEnd(52), b(bytes.length).padStart(9), b(gzip).padStart(9), (scenario.budget ? b(scenario.budget) : '-').padStart(9), over ? 'OVER BUDGET' : '');
  if (/zod/.test(new TextDecoder().decode(bytes)) && scenario.budget) console.log('  note: bundle mentions zod');
}
process.exit(failed ? 1 : 0);
