#!/usr/bin/env node
// The `sinyal-server` command. The CLI itself is built into dist/cli.js; this file exists
// from the start so that npm links the command at install time, also in a fresh clone of
// the repository where dist/ is built later.
import('../dist/cli.js').catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.js')) {
    console.error('sinyal-server: dist/cli.js is missing — in the Sinyal repository, run `npm run build` first.');
  } else {
    console.error(error);
  }
  process.exit(1);
});
