#!/usr/bin/env node
// Size budget check: bundles small apps that use the client the way a web app would
// (esbuild, minified, browser, production) and reports the gzip size against the budget.
// Run: npm run size   (exits 1 when a budget is exceeded)
import { bundleSize } from './bundleSize.mjs';

const scenarios = [
  {
    name: 'client core: createClient + room + subscribe',
    budget: 6 * 1024,
    code: `import { createClient } from '@sinyal/client';
const client = createClient({ url: 'wss://example.test/ws', token: () => 't' });
client.room('demo:lobby').on('demo:message', (m) => console.log(m));`,
  },
  {
    name: 'client everything (all exports)',
    budget: undefined,
    code: `export * from '@sinyal/client';`,
  },
  {
    name: '@sinyal/react (all hooks; excl. client, react)',
    budget: 2 * 1024,
    code: `export * from '@sinyal/react';`,
    external: ['react', 'react/jsx-runtime', '@sinyal/client', '@sinyal/protocol'],
  },
  {
    name: '@sinyal/vue (all composables; excl. client, vue)',
    budget: 2 * 1024,
    code: `export * from '@sinyal/vue';`,
    external: ['vue', '@sinyal/client', '@sinyal/protocol'],
  },
];

let failed = false;
console.log('scenario'.padEnd(52), 'min'.padStart(8), 'gzip'.padStart(8), 'budget'.padStart(8));
for (const scenario of scenarios) {
  const { bytes, gzipBytes: gzip } = await bundleSize(scenario.code, scenario.external);
  const over = scenario.budget !== undefined && gzip > scenario.budget;
  failed ||= over;
  const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
  console.log(scenario.name.padEnd(52), kb(bytes.length).padStart(8), kb(gzip).padStart(8), (scenario.budget ? kb(scenario.budget) : '-').padStart(8), over ? 'OVER BUDGET' : '');
  if (/zod/.test(new TextDecoder().decode(bytes)) && scenario.budget) console.log('  note: bundle mentions zod');
}
process.exit(failed ? 1 : 0);
