#!/usr/bin/env node
// Server CPU time per chat message, for one or more builds of the Sinyal server, measured in
// rounds that alternate between the builds (paired samples: a disturbance on a shared machine
// hits every build of the round alike). Each build runs in its own process with `clients` raw
// ws clients (in another process) in two-person rooms (the skeleton of bench/lib/cpuBench.mjs); a round has the clients send `messages`
// `publish` commands at `rate` a second (each acknowledged to its sender and delivered to both
// members, as in `npm run bench`'s chat scenario) and reads the server's process.cpuUsage()
// from the first send to the last delivery. Reports the median µs per message, split into user
// space (JS, GC) and the kernel (socket reads and writes): what a change to the server's
// command path can move is mostly the first. Also the heap bytes the server allocated per
// message (from v8.GCProfiler: the heap's growth between collections), which moves far less
// from round to round than CPU time on a shared machine.
//
//   node bench/chat-cpu.mjs [--builds=DIR,DIR] [--clients=400] [--rounds=10] [--messages=4000] [--rate=2000]
//
// DIR is a copy of packages/server/dist placed under node_modules/ (so that its imports resolve);
// the default is the workspace build (packages/server/dist).
import { fileURLToPath } from 'node:url';
import { args, forkBuilds, joinRaw, median, once, role, serveBuild, stopBuilds } from './lib/cpuBench.mjs';
import { countAllocation, sampleAllocation } from './lib/heapUse.mjs';

if (role === 'server') {
  // The options of bench/servers/sinyal.mjs.
  await serveBuild({ secret: 'chat-cpu-bench-secret-0123456789abcdef', rooms: { bench: { publish: ['bench:msg'], history: 100 } }, userPrefix: 'c' });
  // CHAT_CPU_HEAP_SAMPLE=FILE: an allocation profile of the measured rounds (with
  // CHAT_CPU_HEAP_SAMPLE_LIVE=1 only of what is still alive at the end: what the messages left).
  const sampleFile = process.env.CHAT_CPU_HEAP_SAMPLE;
  let cpuAtMark;
  let stopCounting;
  let stopSampling;
  process.on('message', async (m) => {
    if (m.cmd === 'mark') {
      if (sampleFile) stopSampling = await sampleAllocation(sampleFile, { live: Boolean(process.env.CHAT_CPU_HEAP_SAMPLE_LIVE) });
      stopCounting = countAllocation();
      cpuAtMark = process.cpuUsage();
      process.send({ marked: true });
    }
    if (m.cmd === 'read') {
      const c = process.cpuUsage(cpuAtMark);
      const { allocated } = stopCounting();
      await stopSampling?.();
      process.send({ userUs: c.user, systemUs: c.system, allocated });
    }
  });
  process.send({ ready: true });
} else if (role === 'clients') {
  process.on('disconnect', () => process.exit(0));
  const clients = [];
  let received = 0;
  let ids = 0;
  const payload = JSON.stringify({ text: 'Halo! Is the 2BR unit on Jl. Kemang still available for viewing this weekend?' });
  const count = (text) => {
    if (text.includes('"t":"event"') || text.includes('"t":"ack"')) received++;
  };
  process.on('message', async (m) => {
    if (m.cmd === 'open') {
      for (const [i, token] of m.tokens.entries()) {
        const room = `bench:p${i >> 1}`;
        clients.push({ ws: await joinRaw(m.url, token, room, count), room });
      }
      process.send({ opened: clients.length });
    }
    if (m.cmd === 'send') {
      // Each message: its ack and its event to both members.
      const expected = received + 3 * m.messages;
      const perTick = Math.max(1, Math.round((m.rate * 5) / 1000));
      let sent = 0;
      await new Promise((resolve) => {
        const timer = setInterval(() => {
          for (let k = 0; k < perTick && sent < m.messages; k++, sent++) {
            const c = clients[(sent * 7919) % clients.length];
            c.ws.send(`{"t":"cmd","id":"m${++ids}","name":"publish","room":"${c.room}","data":{"event":"bench:msg","data":${payload}}}`);
          }
          if (sent >= m.messages) {
            clearInterval(timer);
            resolve();
          }
        }, 5);
      });
      const deadline = Date.now() + 30_000;
      while (received < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      process.send({ complete: received >= expected });
    }
  });
  process.send({ ready: true });
} else {
  const n = Number(args.clients ?? 400);
  const rounds = Number(args.rounds ?? 10);
  const messages = Number(args.messages ?? 4000);
  const rate = Number(args.rate ?? 2000);
  if (n % 2) throw new TypeError('--clients must be even (two-person rooms)');
  // CHAT_CPU_SERVER_FLAGS: node flags of the server processes only (e.g. --trace-gc).
  const serverFlags = process.env.CHAT_CPU_SERVER_FLAGS?.split(' ').filter(Boolean) ?? [];
  const runs = (await forkBuilds(fileURLToPath(import.meta.url), n, { serverFlags })).map((run) => ({ ...run, user: [], system: [], allocated: [] }));
  // A warm-up round per build, not counted: the JIT and the first growth of the server's maps.
  for (let r = -1; r < rounds; r++) {
    for (const run of r % 2 ? [...runs].reverse() : runs) {
      run.server.send({ cmd: 'mark' });
      await once(run.server);
      run.load.send({ cmd: 'send', messages, rate });
      const { complete } = await once(run.load);
      run.server.send({ cmd: 'read' });
      const { userUs, systemUs, allocated } = await once(run.server);
      if (!complete) throw new Error(`${run.name}: not every ack and event arrived within 30 s`);
      if (r < 0) continue;
      run.user.push(userUs / messages);
      run.system.push(systemUs / messages);
      run.allocated.push(allocated / messages);
    }
  }
  const range = (xs, digits = 1) => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;
  console.log(`chat CPU: ${n} clients in ${n / 2} two-person rooms, ${rounds} rounds × ${messages} messages at ${rate}/s, builds alternating`);
  for (const run of runs) {
    const total = run.user.map((u, i) => u + run.system[i]);
    console.log(`${run.name.padEnd(24)} ${median(total).toFixed(1)} µs/message [${range(total)}]: user ${median(run.user).toFixed(1)} [${range(run.user)}], kernel ${median(run.system).toFixed(1)} [${range(run.system)}]; heap allocated ${(median(run.allocated) / 1024).toFixed(2)} KB/message [${range(run.allocated.map((b) => b / 1024))}]`);
  }
  // Paired: each round's ratio to the first build (the same minute of the machine), then the median.
  for (const run of runs.slice(1)) {
    const ratios = run.user.map((u, i) => u / runs[0].user[i]);
    const totals = run.user.map((u, i) => (u + run.system[i]) / (runs[0].user[i] + runs[0].system[i]));
    console.log(`${run.name} ÷ ${runs[0].name}, paired by round: user ${median(ratios).toFixed(3)}× [${range(ratios, 3)}], total ${median(totals).toFixed(3)}×`);
  }
  stopBuilds(runs);
}
