#!/usr/bin/env node
import cluster from 'node:cluster';
import { CLI_USAGE, CliError, resolveCliConfig, startupMessage } from './cliConfig';
import { devTokenFor, resolveShared, startCliServer } from './cliServer';
import { runPrimary } from './workers';
import { runWorker } from './workerProcess';

async function main(): Promise<void> {
  // A `--workers` worker takes its configuration from the primary (dev secrets are generated once).
  if (cluster.isWorker) return runWorker();
  const config = resolveCliConfig(process.argv.slice(2), process.env);
  if (config === 'help') {
    console.log(CLI_USAGE);
    return;
  }
  const shared = resolveShared(config);
  if (config.workers !== undefined) return runPrimary(shared, config.workers);

  const { server, stop: stopServer } = await startCliServer(shared);
  console.log(startupMessage(config, server, await devTokenFor(config), shared.push && { vapidPublicKey: shared.push.vapid.publicKey, vapidGenerated: shared.vapidGenerated }));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1); // second signal: do not wait any longer
    stopping = true;
    console.log(`${signal}: closing connections…`);
    void stopServer().then((code) => process.exit(code));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`sinyal-server: ${error instanceof Error ? error.message : String(error)}`);
  if (error instanceof CliError) console.error('Run sinyal-server --help for the options.');
  process.exit(1);
});
