import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

// Vite's esbuild compiles the JSX (no React plugin needed). The @sinyal/* packages are
// aliased to their sources so the example runs without a build and always matches the
// repository; in your own app install them (from npm, or the tarballs of `npm run tarballs`:
// docs/installing.md) and drop `resolve.alias`.
export default defineConfig({
  root: here('.'),
  // The service worker (sinyal-sw.js), shared by both example apps, served from the site root.
  publicDir: here('../shared/public'),
  esbuild: { jsx: 'automatic' },
  resolve: {
    alias: {
      '@sinyal/protocol/schema': here('../../packages/protocol/src/schema/index.ts'),
      '@sinyal/protocol': here('../../packages/protocol/src/index.ts'),
      '@sinyal/client/http': here('../../packages/client/src/http/index.ts'),
      '@sinyal/client/tabs': here('../../packages/client/src/tabs/index.ts'),
      '@sinyal/client/push': here('../../packages/client/src/push.ts'),
      '@sinyal/client': here('../../packages/client/src/index.ts'),
      '@sinyal/react': here('../../packages/react/src/index.ts'),
    },
    dedupe: ['react', 'react-dom'],
  },
  // The shared worker of ?tabs=shared (examples/shared/sinyal-worker.ts) is a module worker.
  worker: { format: 'es' },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1000 },
});
