import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
const r = await build({ stdin: { contents: `import { createClient } from './packages/client/src/index.ts';
const client = createClient({ url: 'wss://example.test/ws', token: () => 't' });
client.room('demo:lobby').on('demo:message', (m) => console.log(m));`, resolveDir: '/work/main', loader: 'ts' },
  bundle: true, minify: true, write: false, format: 'esm', platform: 'browser', target: 'es2022', tsconfig: '/work/main/tsconfig.json', logLevel: 'error', define: { 'process.env.NODE_ENV': '"production"' } });
const b = r.outputFiles[0].contents;
console.log(b.length, gzipSync(b, { level: 9 }).length);
