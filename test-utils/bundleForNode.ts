// Bundles a TypeScript entry point for a child Node process: @sinyal/* from the package
// sources (so no build is needed), every other import left to node_modules.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { sourceAliases } from '../vitest.shared';

const root = fileURLToPath(new URL('..', import.meta.url));
// Inside the repository so the bundle's bare imports (ws, ioredis…) resolve from node_modules.
const outDir = `${root}node_modules/.cache/sinyal-test`;
const bundles = new Map<string, Promise<string>>();

/**
 * Bundles `entry` once per test process into a file named after its content, so runs
 * reuse it and nothing piles up. Resolves to the bundle's path (an ES module).
 */
export function bundleForNode(entry: string): Promise<string> {
  let bundled = bundles.get(entry);
  if (!bundled) {
    bundled = (async () => {
      const aliases: Record<string, string> = sourceAliases;
      const result = await build({
        entryPoints: [entry],
        write: false,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        logLevel: 'silent',
        plugins: [
          {
            name: 'sources-or-external',
            setup(b) {
              b.onResolve({ filter: /^[^./]/ }, (args) => {
                const source = aliases[args.path];
                return source === undefined ? { external: true } : { path: source };
              });
            },
          },
        ],
      });
      const code = result.outputFiles[0]!.contents;
      const name = basename(entry).replace(/\.[cm]?tsx?$/, '');
      const outfile = `${outDir}/${name}-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`;
      if (!existsSync(outfile)) {
        mkdirSync(outDir, { recursive: true });
        const partial = `${outfile}.${process.pid}.tmp`;
        writeFileSync(partial, code);
        renameSync(partial, outfile); // atomic: a concurrent run never reads half a file
      }
      return outfile;
    })();
    bundles.set(entry, bundled);
  }
  return bundled;
}
