import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'es2022',
  // Hooks run on the client only: Next.js (App Router) and other React Server Components
  // frameworks need the directive to let a server component render <SinyalProvider>.
  // (esbuild keeps a banner; tsup's Rollup tree-shaking pass would drop the directive.)
  banner: { js: '"use client";' },
  external: ['react', '@sinyal/client', '@sinyal/client/push', '@sinyal/protocol'],
});
