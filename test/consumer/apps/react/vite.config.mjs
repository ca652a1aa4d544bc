// As docs/getting-started-react.md § 6 says: Vite's esbuild compiles the JSX, no plugin.
import { defineConfig } from 'vite';

export default defineConfig({ esbuild: { jsx: 'automatic' } });
