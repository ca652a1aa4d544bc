import { defineWorkspace } from 'vitest/config';
import { sourceAliases } from './vitest.shared';

const project = (name: string, extra: Record<string, unknown> = {}) => ({
  resolve: { alias: sourceAliases },
  test: {
    name,
    root: `./packages/${name}`,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    ...extra,
  },
});

export default defineWorkspace([project('protocol'), project('client'), project('server'), {
  resolve: { alias: sourceAliases },
  test: {
    name: 'integration',
    root: './test',
    include: ['**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 20_000,
  },
}]);
