#!/usr/bin/env node
// Lockfile check (CI runs it before the tests):
// 1. every optional dependency of every locked package has its own entry, so `npm ci` on
//    macOS, Windows or musl installs its native binary (Rollup's and esbuild's platform
//    packages; an npm that resolved on one platform may have dropped the others, npm/cli#4828);
// 2. `npm install` would not change package-lock.json (package.json and lockfile agree, and
//    the lockfile is in the shape the pinned npm writes). Run in a temporary copy of the
//    manifests, so the working tree is never touched.
// Usage: node scripts/check-lockfile.mjs [--no-install]   (exit 1 on a problem)
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const lockText = readFileSync(join(root, 'package-lock.json'), 'utf8');
const lock = JSON.parse(lockText);
const packages = lock.packages ?? {};
const problems = [];

/** Where Node would find `name` when required from the package at `from` (a lockfile key). */
function resolveFrom(from, name) {
  let base = from;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    // A workspace (e.g. packages/vue) resolves through the root's node_modules next.
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}

if (lock.lockfileVersion !== 3) problems.push(`lockfileVersion is ${lock.lockfileVersion}, expected 3 (npm 9+)`);

const natives = [];
for (const [key, entry] of Object.entries(packages)) {
  const optional = Object.keys(entry.optionalDependencies ?? {});
  if (!optional.length) continue;
  const missing = optional.filter((name) => !resolveFrom(key, name));
  const platformSpecific = optional.filter((name) => {
    const found = resolveFrom(key, name);
    return found && (packages[found].os || packages[found].cpu);
  });
  if (platformSpecific.length) natives.push(`${key.replace(/^.*node_modules\//, '')}@${entry.version}: ${platformSpecific.length}/${optional.length} optional packages locked`);
  for (const name of missing) problems.push(`${key}@${entry.version}: optional dependency ${name} has no lockfile entry (another platform's npm ci would not install it)`);
}
// Rollup and esbuild must be there with their binaries for every platform.
for (const name of ['rollup', 'esbuild']) {
  const copies = Object.keys(packages).filter((key) => key === `node_modules/${name}` || key.endsWith(`/node_modules/${name}`));
  if (!copies.length) problems.push(`${name} is not in the lockfile`);
  for (const key of copies) {
    if (Object.keys(packages[key].optionalDependencies ?? {}).length < 20) problems.push(`${key}: lists only ${Object.keys(packages[key].optionalDependencies ?? {}).length} optional platform packages`);
  }
}
console.log(`lockfile: ${Object.keys(packages).length} entries; native optional packages:\n  ${natives.join('\n  ')}`);

if (!process.argv.includes('--no-install') && !problems.length) {
  // A copy of what `npm install` reads: the manifests, the lockfile and the npm config.
  const scratch = mkdtempSync(join(tmpdir(), 'sinyal-lockcheck-'));
  try {
    const root_ = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    for (const file of ['package.json', 'package-lock.json', '.npmrc', ...(root_.workspaces ?? []).map((w) => `${w}/package.json`)]) {
      if (!existsSync(join(root, file))) continue;
      mkdirSync(dirname(join(scratch, file)), { recursive: true });
      copyFileSync(join(root, file), join(scratch, file));
    }
    execFileSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: scratch, stdio: ['ignore', 'ignore', 'inherit'] });
    const after = readFileSync(join(scratch, 'package-lock.json'), 'utf8');
    if (after !== lockText) {
      let diff = '';
      try {
        execFileSync('git', ['diff', '--no-index', '--stat', join(root, 'package-lock.json'), join(scratch, 'package-lock.json')], { encoding: 'utf8' });
      } catch (error) {
        diff = String(error.stdout ?? '');
      }
      problems.push(`\`npm install\` would rewrite package-lock.json — run it and commit the result:\n${diff}`);
    } else {
      console.log('lockfile: `npm install` leaves it unchanged');
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (problems.length) {
  console.error(`\nlockfile check FAILED:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log('lockfile check: ok');
