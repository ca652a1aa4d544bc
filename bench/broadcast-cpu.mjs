#!/usr/bin/env node
// Server CPU time per broadcast delivery, for one or more builds of the Sinyal server, measured
// in rounds that alternate between the builds (paired samples: a disturbance on a shared machine
// hits every build of the round alike). Each build runs in its own process with `members` raw
// ws clients (in another process, reading and discarding) joined to one room (the skeleton of
// bench/lib/cpuBench.mjs); a round publishes
// `publishes` events server-side, one per event-loop turn (nothing to merge across publishes),
// and reads the server's process.cpuUsage() around it. Reports the median µs per delivery and
// the share of it spent in user space (JS) vs the kernel (socket writes).
//
//   node bench/broadcast-cpu.mjs [--builds=DIR,DIR] [--members=500] [--rounds=8] [--publishes=200]
//
// DIR is a copy of packages/server/dist placed under node_modules/ (so that its imports resolve);
// the default is the workspace build (packages/server/dist).
import { fileURLToPath } from 'node:url';
import { args, forkBuilds, joinRaw, median, role, serveBuild, stopBuilds, once } from './lib/cpuBench.mjs';

if (role === 'server') {
  const server = await serveBuild({ secret: 'broadcast-cpu-bench-secret-0123456789', rooms: { bench: { history: 100 } }, userPrefix: 'm' });
  process.on('message', async (m) => {
    if (m.cmd === 'round') {
      const c0 = process.cpuUsage();
      for (let i = 0; i < m.publishes; i++) {
        await server.publish('bench:room', 'bench:msg', { i, text: 'Halo! Is the 2BR unit on Jl. Kemang still available for viewing?' });
        await new Promise((resolve) => setImmediate(resolve));
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      const c = process.cpuUsage(c0);
      process.send({ userUs: c.user, systemUs: c.system });
    }
  });
  process.send({ ready: true });
} else if (role === 'clients') {
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (m) => {
    if (m.cmd !== 'open') return;
    // Members read and discard what they are sent.
    for (const token of m.tokens) await joinRaw(m.url, token, 'bench:room');
    process.send({ opened: m.tokens.length });
  });
  process.send({ ready: true });
} else {
  const members = Number(args.members ?? 500);
  const rounds = Number(args.rounds ?? 8);
  const publishes = Number(args.publishes ?? 200);
  const runs = (await forkBuilds(fileURLToPath(import.meta.url), members)).map((run) => ({ ...run, perDelivery: [], user: 0, system: 0 }));
  for (let r = 0; r < rounds; r++) {
    for (const run of r % 2 ? [...runs].reverse() : runs) {
      run.server.send({ cmd: 'round', publishes });
      const { userUs, systemUs } = await once(run.server);
      run.perDelivery.push((userUs + systemUs) / (publishes * members));
      run.user += userUs;
      run.system += systemUs;
    }
  }
  console.log(`broadcast CPU: ${members} members, ${rounds} rounds × ${publishes} publishes (one per loop turn)`);
  for (const run of runs) {
    const m = median(run.perDelivery);
    const userShare = run.user / (run.user + run.system);
    console.log(`${run.name.padEnd(24)} ${m.toFixed(2)} µs/delivery (median; user ${(m * userShare).toFixed(2)}, kernel ${(m * (1 - userShare)).toFixed(2)}); rounds: ${run.perDelivery.map((x) => x.toFixed(2)).join(' ')}`);
  }
  stopBuilds(runs);
}
