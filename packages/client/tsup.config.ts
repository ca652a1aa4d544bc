import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', http: 'src/http/index.ts', tabs: 'src/tabs/index.ts', push: 'src/push.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'es2022',
  treeshake: true,
  // The tabs and push entries use the core through the package's own name: one copy of the client's classes.
  external: ['@sinyal/client'],
});
