import cluster, { type Worker } from 'node:cluster';
import { createPinoLogger } from '../ops/logger';
import { RESTARTS_PER_MINUTE, startupMessage } from './cliConfig';
import { devTokenFor, type CliShared } from './cliServer';
import { isMessage, type PrimaryMessage, type WorkerMessage } from './clusterMessages';
import { RestartBudget } from './restartBudget';

/**
 * The primary of `sinyal-server --workers N`: forks N workers (node:cluster; they share the
 * port, the primary hands each new connection to the next worker in turn) and serves nothing
 * itself. Each worker is a full server on the run's Redis, exactly like a separate node, so
 * a room's events reach its members on every worker in one order and a client whose worker
 * died resumes on another (docs/scaling.md, "Several workers on one machine").
 *
 * - Startup: once every worker listens, prints the startup message (stdout). A worker that
 *   exits before that (port taken, bad configuration) stops the run with exit code 1.
 * - A worker that dies later is logged and replaced, at most {@link RESTARTS_PER_MINUTE} times
 *   a minute; further restarts wait for the window (logged with their delay), never given up.
 * - SIGTERM/SIGINT: every worker drains (SIGTERM: clients told to reconnect, running commands
 *   finish, Redis closed); the primary exits once all are gone: 0 if every one drained (exited 0,
 *   or was still loading when told to stop), else 1.
 *   A second signal kills the workers (SIGKILL) and exits 1 at once.
 */
export async function runPrimary(shared: CliShared, count: number): Promise<void> {
  const { config } = shared;
  const logger = createPinoLogger(config.logLevel);
  const budget = new RestartBudget(RESTARTS_PER_MINUTE, 60_000);
  const workers = new Set<Worker>();
  const pendingRestarts = new Set<NodeJS.Timeout>();
  const devToken = await devTokenFor(config);
  let phase: 'starting' | 'running' | 'stopping' = 'starting';
  let listeningAtStart = 0;
  let exitCode = 0;

  const exitWhenAllGone = () => {
    if (phase === 'stopping' && workers.size === 0) process.exit(exitCode);
  };

  const fork = (replaces?: { worker: number; pid: number | undefined }) => {
    const worker = cluster.fork();
    const pid = worker.process.pid;
    workers.add(worker);
    if (replaces) logger.info({ worker: worker.id, pid, replaces }, 'worker restarted');
    worker.on('message', (message: unknown) => {
      if (isMessage<WorkerMessage, 'config?'>(message, 'config?')) {
        const answer: PrimaryMessage = { sinyal: 'config', shared };
        worker.send(answer);
      } else if (isMessage<WorkerMessage, 'listening'>(message, 'listening')) {
        logger.info({ worker: worker.id, pid, instance: message.instance, url: message.url }, 'worker listening');
        if (phase !== 'starting' || ++listeningAtStart < count) return;
        phase = 'running';
        const push = shared.push && { vapidPublicKey: shared.push.vapid.publicKey, vapidGenerated: shared.vapidGenerated };
        const pids = [...workers].map((w) => w.process.pid).join(', ');
        console.log(`${startupMessage(config, message, devToken, push)}\n  ${count} worker${count === 1 ? '' : 's'} (node:cluster, pids ${pids}), primary pid ${process.pid}`);
      }
    });
    worker.on('exit', (code, signal) => {
      workers.delete(worker);
      // Killed by the primary's own SIGTERM: a worker still loading, before its drain handler existed, had nothing to drain.
      const drained = code === 0 || (phase === 'stopping' && signal === 'SIGTERM');
      if (phase !== 'running' && !drained) exitCode = 1;
      if (phase === 'stopping') return exitWhenAllGone();
      if (phase === 'starting') {
        logger.error({ worker: worker.id, pid, code, signal }, 'worker exited while starting; stopping');
        return shutDown();
      }
      const delayMs = budget.take(Date.now());
      logger.warn({ worker: worker.id, pid, code, signal, restartInMs: delayMs }, delayMs === 0 ? 'worker exited; restarting it' : `worker exited; more than ${RESTARTS_PER_MINUTE} restarts this minute, restart delayed`);
      const timer = setTimeout(() => {
        pendingRestarts.delete(timer);
        if (phase === 'running') fork({ worker: worker.id, pid });
      }, delayMs);
      pendingRestarts.add(timer);
    });
  };

  const shutDown = () => {
    phase = 'stopping';
    for (const timer of pendingRestarts) clearTimeout(timer);
    pendingRestarts.clear();
    for (const worker of workers) worker.process.kill('SIGTERM');
    exitWhenAllGone();
  };

  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      for (const worker of workers) worker.process.kill('SIGKILL');
      process.exit(1); // second signal: do not wait any longer
    }
    signalled = true;
    console.log(`${signal}: draining ${workers.size} worker${workers.size === 1 ? '' : 's'}…`);
    shutDown();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  for (let i = 0; i < count; i++) fork();
}
