import { defineConfig } from 'tsup';

export default defineConfig({
  // The library (ESM + CJS) and the `sinyal-server` CLI (ESM only: a bin is run, not
  // required). The ESM files share one chunk, so the CLI adds a few kB, not a second copy.
  entry: { index: 'src/index.ts', cli: 'src/cli/cli.ts' },
  format: ['esm', 'cjs'],
  esbuildOptions(options, { format }) {
    if (format === 'cjs') options.entryPoints = { index: 'src/index.ts' };
  },
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  target: 'es2022',
  treeshake: true,
});
