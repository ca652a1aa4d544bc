import { defaultExclude, defineWorkspace } from 'vitest/config';
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
      // test/chaos and test/consumer are projects of their own (below).
      exclude: [...defaultExclude, 'chaos/**', 'consumer/**'],
      environment: 'node',
      testTimeout: 60_000,
      hookTimeout: 20_000,
    },
  },
  {
    // The example apps, built, in Debian's Chromium (playwright-core) against the example
    // server on loopback. Skips with a message without /usr/bin/chromium unless CI is set.
    resolve: { alias: sourceAliases },
    test: {
      name: 'e2e',
      root: './test/e2e',
      include: ['**/*.e2e.ts'],
      environment: 'node',
      globalSetup: ['./globalSetup.ts'],
      testTimeout: 90_000,
      hookTimeout: 120_000,
      // After every other project: Chromium's CPU would disturb their timing-sensitive tests.
      sequence: { groupOrder: 1 },
    },
  },
  {
    // Reliability suite (issue 7): adversarial sockets, protocol fuzzing, leaks, security.
    // CI sizes by default; CHAOS_SCALE=full npm run test:chaos for the big ones.
    resolve: { alias: sourceAliases },
    test: {
      name: 'chaos',
      include: ['test/chaos/**/*.test.ts'],
      environment: 'node',
      pool: 'forks',
      // Runs last, alone: its load would skew others' timing-sensitive tests (heartbeat
      // bounds), and theirs (Chromium included) would skew its pong-delay figures.
      sequence: { groupOrder: 2 },
      testTimeout: 180_000,
      hookTimeout: 30_000,
    },
  },
  {
    // The packages as users get them (issue 13): npm pack, the tarballs installed into a
    // Vite + React app, a Vite + Vue app and Node scripts in a temporary folder outside the
    // workspace, built and run (the apps in Chromium against the sinyal-server CLI). Needs the
    // npm registry and /usr/bin/chromium; skips with a message without them unless CI is set.
    resolve: { alias: sourceAliases },
    test: {
      name: 'consumer',
      root: './test/consumer',
      include: ['**/*.test.ts'],
      environment: 'node',
      testTimeout: 120_000,
      hookTimeout: 600_000,
      // Last: it builds, installs and runs Chromium, which would disturb the others' timing.
      sequence: { groupOrder: 3 },
    },
  },
]);
