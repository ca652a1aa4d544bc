// How big a piece of code is once bundled the way a web app ships it: esbuild, minified, ESM,
// browser, production, gzip -9 — with the @sinyal/* packages taken from their built dist/,
// through their package.json `exports`, exactly as a user's bundler sees the published
// packages (so a top-level side effect the bundler cannot drop is counted). Shared by the
// budget check (scripts/size.mjs) and the side-by-side bench (bench/size.mjs), so both
// measure the same way. Build first (`npm run size` and `npm run bench` do).
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Budget of the core scenario (connect + room + subscribe), bytes of gzip. */
export const CLIENT_CORE_BUDGET = 6000;
/** Budget of each framework adapter (all hooks / composables, client and framework excluded). */
export const ADAPTER_BUDGET = 2048;

/**
 * Bundles `code` (an entry module's source) leaving `external` packages out.
 * @returns {Promise<{ bytes: Uint8Array, minBytes: number, gzipBytes: number }>}
 */
export async function bundleSize(code, external = []) {
  for (const name of ['protocol', 'client', 'react', 'vue']) {
    if (code.includes(`@sinyal/${name}`) && !existsSync(`${root}packages/${name}/dist/index.js`)) {
      throw new Error(`packages/${name}/dist is missing: sizes are measured on the built packages — run \`npm run build\` first`);
    }
  }
  const result = await build({
    stdin: { contents: code, resolveDir: root, loader: 'tsx' },
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external,
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    // The repository's tsconfig maps @sinyal/* to their sources (for the tests and the
    // typecheck); a user's bundler knows nothing of it and resolves the installed packages.
    tsconfigRaw: '{}',
    logLevel: 'error',
  });
  const bytes = result.outputFiles[0].contents;
  return { bytes, minBytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
}
