#!/usr/bin/env node
// `npm run tarballs`: packs every publishable package (after `build --if-stale`) into
// tarballs/, the files `npm publish` would upload, and prints how to install them into an
// app outside this repository (docs/installing.md).
import { rmSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { packTarballs, root } from './packages.mjs';

const destination = join(root, 'tarballs');
rmSync(destination, { recursive: true, force: true });
const tarballs = packTarballs(destination);
const path = (name) => tarballs[name];
console.log(`Packed into ${relative(process.cwd(), destination) || '.'}/:\n${Object.values(tarballs).map((file) => `  ${basename(file)}`).join('\n')}

In your app, install the packages it uses together with the Sinyal packages they depend
on, in one command (npm takes the dependencies from the tarballs, not from the registry):
  browser + React:  npm install ${['@sinyal/protocol', '@sinyal/client', '@sinyal/react'].map(path).join(' ')}
  browser + Vue:    npm install ${['@sinyal/protocol', '@sinyal/client', '@sinyal/vue'].map(path).join(' ')}
  Node server:      npm install ${['@sinyal/protocol', '@sinyal/server'].map(path).join(' ')}
`);
