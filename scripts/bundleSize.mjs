// How big a piece of code is once bundled the way a web app ships it: esbuild, minified, ESM,
// browser, production, gzip -9, with the workspace packages taken from their sources. Shared by
// the budget check (scripts/size.mjs) and the side-by-side bench (bench/size.mjs), so both
// measure the same way.
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

/**
 * Bundles `code` (an entry module's source) leaving `external` packages out.
 * @returns {Promise<{ bytes: Uint8Array, minBytes: number, gzipBytes: number }>}
 */
export async function bundleSize(code, external = []) {
  const result = await build({
    stdin: { contents: code, resolveDir: root, loader: 'tsx' },
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // An external package must not be aliased to its sources, or it would be bundled after all.
    alias: Object.fromEntries(Object.entries(alias).filter(([name]) => !external.includes(name))),
    external,
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'error',
  });
  const bytes = result.outputFiles[0].contents;
  return { bytes, minBytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
}
