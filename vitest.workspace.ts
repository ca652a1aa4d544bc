import { defineWorkspace } from 'vitest/config';
import { sourceAliases } from './vitest.shared';

/** One vitest project per package (tests beside the package), run from sources. */
const project = (name: string, extra: Record<string, unknown> = {}) => ({
  resolve: { alias: sourceAliases },
  test: {
    name,
    root: `./packages/${name}`,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'test/**/*.test.tsx'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    ...extra,
  },
});

export default defineWorkspace([
  project('protocol'),
  project('client'),
  project('server'),
  project('react', { environment: 'happy-dom', testTimeout: 30_000 }),
  project('vue', { environment: 'happy-dom', testTimeout: 30_000 }),
  {
    // Client ↔ server over real sockets, fault injection, features end to end.
    resolve: { alias: sourceAliases },
    test: {
      name: 'integration',
      root: './test',
      include: ['**/*.test.ts'],
      environment: 'node',
      testTimeout: 60_000,
      hookTimeout: 20_000,
    },
  },
]);
