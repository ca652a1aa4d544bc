// Bundles parts of the server's TypeScript source for the benches that time or weigh them
// alone (no socket, no I/O): the dedupe path and the in-memory stores.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The workspace's server source. */
export const SERVER_SRC = `${here}../../packages/server/src`;

/**
 * Bundles `Deduper`, `MemoryStore`, `MemoryChatStore` and `DEFAULT_LIMITS` from the source tree `src` (a copy of
 * packages/server/src) into `node_modules/.cache/<name>.mjs`, where its package imports
 * (@sinyal/protocol…) resolve, and answers that file's path.
 */
export async function bundleServerParts(src, name) {
  const esbuild = await import('esbuild');
  const outfile = `${here}../../node_modules/.cache/${name}.mjs`;
  mkdirSync(dirname(outfile), { recursive: true });
  await esbuild.build({
    stdin: { contents: "export { Deduper } from './commands/dedupe';\nexport { MemoryStore } from './store/memoryStore';\nexport { MemoryChatStore } from './features/chat/memoryChatStore';\nexport { DEFAULT_LIMITS } from './api/limits';\n", resolveDir: src, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile,
    logLevel: 'error',
  });
  return outfile;
}
