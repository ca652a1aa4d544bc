#!/usr/bin/env node
// What `npm publish` would upload, checked for every publishable package (build first):
// - publint (strict): package.json fields, exports and files agree with the tarball;
// - Are The Types Wrong (attw): types resolve under node10, node16 (CJS and ESM) and bundler;
// - the tarball has LICENSE, README.md and dist/, and no source maps or unused builds;
// - the metadata a registry page needs (engines, repository, homepage, bugs, keywords,
//   public access) and ranges, not exact versions, for the workspace's own packages;
// - `npm publish --dry-run` prints no warning but the one about not being logged in.
// Usage: node scripts/check-packages.mjs   (exit 1 on a problem)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { packTarballs, publishablePackages, root } from './packages.mjs';

const problems = [];
const problem = (pkg, text) => problems.push(`${pkg.name}: ${text}`);
const license = readFileSync(join(root, 'LICENSE'), 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'sinyal-check-packages-'));

try {
  const tarballs = packTarballs(scratch);
  for (const pkg of publishablePackages()) {
    const { manifest } = pkg;
    const tarball = tarballs[pkg.name];
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));

    for (const required of ['LICENSE', 'README.md', 'package.json']) if (!files.includes(required)) problem(pkg, `${required} is not in the tarball`);
    if (!files.some((f) => f.startsWith('dist/'))) problem(pkg, 'no dist/ in the tarball (build first)');
    for (const f of files.filter((f) => f.endsWith('.map'))) problem(pkg, `${f}: source maps are not shipped`);
    if (files.includes('dist/cli.cjs')) problem(pkg, 'dist/cli.cjs: the CLI is ESM only');
    if (readFileSync(join(pkg.path, 'LICENSE'), 'utf8') !== license) problem(pkg, 'LICENSE differs from the repository’s');

    for (const field of ['description', 'keywords', 'homepage', 'bugs', 'repository', 'license', 'engines']) if (!manifest[field]) problem(pkg, `package.json has no "${field}"`);
    if (manifest.repository?.directory !== pkg.dir) problem(pkg, `repository.directory should be "${pkg.dir}"`);
    if (manifest.publishConfig?.access !== 'public') problem(pkg, 'publishConfig.access should be "public" (a scoped package is private by default)');
    if (manifest.sideEffects !== false) problem(pkg, '"sideEffects": false is missing (tree-shaking)');
    for (const kind of ['dependencies', 'peerDependencies']) {
      for (const [dep, range] of Object.entries(manifest[kind] ?? {})) {
        if (dep.startsWith('@sinyal/') && /^\d/.test(range)) problem(pkg, `${kind}.${dep} is pinned to ${range}: use a range (^${range})`);
      }
    }

    const bytes = readFileSync(tarball);
    const lint = await publint({ pkgDir: pkg.path, level: 'suggestion', strict: true, pack: 'npm' });
    for (const message of lint.messages) problem(pkg, `publint ${message.type}: ${formatMessage(message, manifest) ?? message.code}`);

    const attw = spawnSync(process.execPath, [join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js'), tarball, '--format', 'ascii', '--no-emoji', '--no-color'], { encoding: 'utf8' });
    if (attw.status !== 0) problem(pkg, `attw:\n${attw.stdout}${attw.stderr}`);

    const dryRun = spawnSync('npm', ['publish', '--dry-run', '--ignore-scripts'], { cwd: pkg.path, encoding: 'utf8' });
    const warnings = dryRun.stderr.split('\n').filter((line) => /npm (warn|error)/i.test(line) && !/requires you to be logged in/.test(line));
    if (dryRun.status !== 0 || warnings.length) problem(pkg, `npm publish --dry-run:\n${warnings.join('\n') || dryRun.stderr}`);

    const size = bytes.length;
    console.log(`${pkg.name.padEnd(18)} ${`${(size / 1024).toFixed(1)} kB`.padStart(9)} packed, ${String(files.length).padStart(2)} files: publint, attw, npm publish --dry-run checked`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

if (problems.length) {
  console.error(`\npackage check FAILED:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log('package check: ok');
