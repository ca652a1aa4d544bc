import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', push: 'src/push.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'es2022',
  treeshake: true,
  // Each entry self-contained: the core `index` stays byte-for-byte what it is without `push`
  // (shared chunks would cost the core bytes); `push` carries its own copy of the few helpers it uses.
  splitting: false,
});
