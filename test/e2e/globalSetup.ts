// Builds the example apps (vite build) once before the e2e tests — they run against the
// built app, as a user would get it. Packages are aliased to their sources, so no
// `npm run build` is needed first.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const CHROMIUM = process.env.SINYAL_E2E_CHROMIUM ?? '/usr/bin/chromium';
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export default async function setup(): Promise<void> {
  if (!existsSync(CHROMIUM) && !process.env.CI) return; // the tests skip with a message
  for (const app of ['react-property', 'vue-property']) {
    const root = `${repoRoot}examples/${app}/`;
    if (!existsSync(`${root}vite.config.mjs`)) continue;
    // Quiet unless something is wrong (vite's warnings and errors still show): a passing
    // `npm test` prints only the runner's summary.
    await build({ root, configFile: `${root}vite.config.mjs`, logLevel: 'warn' });
  }
}
