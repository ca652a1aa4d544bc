// The publishable packages of the workspace (every workspace that is not private), in
// dependency order, read from the package.json files. Shared by the build, the tarball
// packing, the package checks and the consumer test.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

/**
 * @typedef {{ name: string, version: string, dir: string, path: string, manifest: Record<string, any>, internal: string[] }} WorkspacePackage
 * `dir` is relative to the repository root, `path` absolute; `internal` lists the other
 * workspace packages it depends on (dependencies and peer dependencies).
 */

/** @returns {WorkspacePackage[]} */
export function publishablePackages() {
  const workspaces = readJson(join(root, 'package.json')).workspaces ?? [];
  const all = workspaces
    .map((dir) => ({ dir, path: join(root, dir), manifest: readJson(join(root, dir, 'package.json')) }))
    .filter(({ manifest }) => !manifest.private);
  const names = new Set(all.map(({ manifest }) => manifest.name));
  const packages = all.map(({ dir, path, manifest }) => ({
    name: manifest.name,
    version: manifest.version,
    dir,
    path,
    manifest,
    internal: Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }).filter((dep) => names.has(dep)),
  }));
  // Dependencies first.
  const ordered = [];
  const visit = (pkg, path = []) => {
    if (ordered.includes(pkg)) return;
    if (path.includes(pkg.name)) throw new Error(`dependency cycle: ${[...path, pkg.name].join(' → ')}`);
    for (const dep of pkg.internal) visit(packages.find((p) => p.name === dep), [...path, pkg.name]);
    ordered.push(pkg);
  };
  for (const pkg of packages) visit(pkg);
  return ordered;
}

/**
 * `npm pack` of every publishable package into `destination` (from the current dist: build
 * first). Returns the tarballs' absolute paths by package name.
 * @returns {Record<string, string>}
 */
export function packTarballs(destination) {
  mkdirSync(destination, { recursive: true });
  const tarballs = {};
  for (const pkg of publishablePackages()) {
    const [info] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', destination], { cwd: pkg.path, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    tarballs[pkg.name] = join(destination, info.filename);
  }
  return tarballs;
}
