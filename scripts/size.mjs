#!/usr/bin/env node
// Size budget check: bundles small apps that use the client the way a web app would
// (esbuild, minified, browser, production) and reports the gzip size against the budget.
// Run: npm run size   (exits 1 when a budget is exceeded)
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const alias = {
  '@sinyal/protocol': `${root}packages/protocol/src/index.ts`,
  '@sinyal/client': `${root}packages/client/src/index.ts`,
  '@sinyal/react': `${root}packages/react/src/index.ts`,
  '@sinyal/vue': `${root}packages/vue/src/index.ts`,
};

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
  const result = await build({
    stdin: { contents: scenario.code, resolveDir: root, loader: 'tsx' },
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // An external package must not be aliased to its sources, or it would be bundled after all.
    alias: Object.fromEntries(Object.entries(alias).filter(([name]) => !(scenario.external ?? []).includes(name))),
    external: scenario.external ?? [],
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'error',
  });
  const bytes = result.outputFiles[0].contents;
  const gzip = gzipSync(bytes, { level: 9 }).length;
  const over = scenario.budget !== undefined && gzip > scenario.budget;
  failed ||= over;
  const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
  console.log(scenario.name.padEnd(52), kb(bytes.length).padStart(8), kb(gzip).padStart(8), (scenario.budget ? kb(scenario.budget) : '-').padStart(8), over ? 'OVER BUDGET' : '');
  if (/zod/.test(new TextDecoder().decode(bytes)) && scenario.budget) console.log('  note: bundle mentions zod');
}
process.exit(failed ? 1 : 0);
