import cluster from 'node:cluster';
import type { CliServer, CliShared } from './cliServer';
import { startCliServer } from './cliServer';
import { isMessage, type PrimaryMessage, type WorkerMessage } from './clusterMessages';

const tell = (message: WorkerMessage) => process.send?.(message);

/**
 * One `sinyal-server --workers` worker: takes the run's configuration from the primary,
 * starts the server on the shared port (node:cluster hands it connections) and reports it
 * listening. SIGTERM — from the primary, which drains every worker on its own SIGTERM/SIGINT
 * — or SIGINT (Ctrl-C reaches the whole process group) drains this server once and exits.
 */
export async function runWorker(): Promise<void> {
  let started: CliServer | undefined;
  // Stopped before it listens (the run is shutting down): nothing to drain yet.
  const stop = () => (started ? void started.stop().then((code) => process.exit(code)) : process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const shared = await new Promise<CliShared>((resolve) => {
    const onMessage = (message: unknown) => {
      if (!isMessage<PrimaryMessage, 'config'>(message, 'config')) return;
      process.off('message', onMessage);
      resolve(message.shared);
    };
    process.on('message', onMessage);
    tell({ sinyal: 'config?' });
  });
  const instance = `w${cluster.worker?.id ?? 0}.${process.pid}`;
  started = await startCliServer(shared, instance);
  tell({ sinyal: 'listening', url: started.server.url, httpUrl: started.server.httpUrl, instance });
}
