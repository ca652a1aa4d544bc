#!/usr/bin/env node
// Builds the packages (tsup: ESM + CJS + d.ts into each package's dist/).
//   node scripts/build.mjs              full build of every package (npm run build)
//   node scripts/build.mjs --if-stale   only the packages whose inputs changed since their
//                                       last build (npm run example / demo / size / bench)
// A package is up to date when the hash of its inputs — its src/ (tests excluded),
// package.json and tsup.config.ts, the shared tsconfig files, the lockfile (the toolchain's
// versions), and the same hash of the workspace packages it depends on — equals the one
// recorded at its last build, and every file that build wrote is still in dist/. The
// records live in node_modules/.cache/sinyal-build/, so a fresh install builds everything.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { publishablePackages, root } from './packages.mjs';

const ifStale = process.argv.includes('--if-stale');
const cacheDir = join(root, 'node_modules/.cache/sinyal-build');

function files(dir, keep = () => true) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
    .filter(keep)
    .sort();
}

const versionOf = (pkg) => {
  try {
    return JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return 'missing';
  }
};

const packages = publishablePackages();
const shared = ['tsconfig.json', 'tsconfig.base.json', 'package-lock.json'].map((file) => join(root, file)).filter(existsSync);
const toolchain = `tsup@${versionOf('tsup')} typescript@${versionOf('typescript')} node@${process.versions.node.split('.')[0]}`;
const hashes = new Map();

/** Hash of everything a package's dist is made from (its workspace dependencies' inputs included). */
function inputHash(pkg) {
  if (hashes.has(pkg.name)) return hashes.get(pkg.name);
  const hash = createHash('sha256').update(toolchain);
  const sources = files(join(pkg.path, 'src'), (file) => !/\.test\.tsx?$/.test(file));
  for (const file of [...sources, join(pkg.path, 'package.json'), join(pkg.path, 'tsup.config.ts'), ...shared]) {
    if (!existsSync(file)) continue;
    hash.update(`\0${relative(root, file)}\0`).update(readFileSync(file));
  }
  for (const dep of pkg.internal) hash.update(`\0dep ${dep} ${inputHash(packages.find((p) => p.name === dep))}`);
  const digest = hash.digest('hex');
  hashes.set(pkg.name, digest);
  return digest;
}

const recordOf = (pkg) => join(cacheDir, `${pkg.name.replace('/', '__')}.json`);

function upToDate(pkg) {
  try {
    const record = JSON.parse(readFileSync(recordOf(pkg), 'utf8'));
    return record.hash === inputHash(pkg) && record.outputs.length > 0 && record.outputs.every((file) => existsSync(join(pkg.path, file)));
  } catch {
    return false;
  }
}

function tsup(pkg) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [join(root, 'node_modules/tsup/dist/cli-default.js')], { cwd: pkg.path, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        process.stderr.write(output);
        reject(new Error(`build of ${pkg.name} failed (tsup exited ${code})`));
        return;
      }
      // Warnings are worth seeing; the per-file size lines are not.
      for (const line of output.split('\n')) if (/warn|error/i.test(line)) console.log(`  ${pkg.name}: ${line.trim()}`);
      const outputs = files(join(pkg.path, 'dist')).map((file) => relative(pkg.path, file));
      mkdirSync(cacheDir, { recursive: true });
      writeFileSync(recordOf(pkg), `${JSON.stringify({ hash: inputHash(pkg), builtAt: new Date().toISOString(), outputs }, null, 2)}\n`);
      console.log(`build: ${pkg.name} built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      resolve();
    });
  });
}

const started = Date.now();
const todo = packages.filter((pkg) => {
  if (!ifStale || !upToDate(pkg)) return true;
  const builtAt = statSync(recordOf(pkg)).mtime;
  console.log(`build: ${pkg.name} is up to date (built ${builtAt.toLocaleTimeString()})`);
  return false;
});
// tsup resolves the other workspace packages to their sources (tsconfig paths) and keeps
// them external in the JS, so packages build independently: two at a time.
const queue = [...todo];
const workers = Array.from({ length: Math.min(2, availableParallelism(), queue.length) }, async () => {
  for (let pkg = queue.shift(); pkg; pkg = queue.shift()) await tsup(pkg);
});
const failures = (await Promise.allSettled(workers)).filter((result) => result.status === 'rejected');
for (const { reason } of failures) console.error(reason.message);
if (failures.length) process.exit(1);
if (todo.length) console.log(`build: ${todo.length} package(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
