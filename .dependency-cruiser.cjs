// Import rules checked in CI (`npm run check:imports`): no import cycles anywhere, packages
// depend one way (protocol ← client ← react | vue, protocol ← server), and the server's
// source is layered: a folder imports only from the layers below it (docs/architecture.md).
const S = '^packages/server/src/';

/** The server's layers, lowest first. Folders on one line are peers and do not import each other. */
const layers = [
  ['errors.ts', 'time.ts'],
  ['store/', 'auth/', 'limits/', 'wire/'],
  ['ops/'],
  ['api/'],
  ['rooms/'],
  ['commands/'],
  ['http/'],
  ['connection/'],
  ['redis/'],
  ['server.ts'],
  ['features/'],
  ['cli/', 'index.ts'],
];

const pattern = (parts) => `${S}(${parts.map((p) => p.replace('.', '\\.')).join('|')})`;

const layerRules = [];
layers.forEach((level, i) => {
  const above = layers.slice(i + 1).flat();
  for (const part of level) {
    if (above.length > 0) {
      layerRules.push({
        name: `server-layers: ${part} imports only downward`,
        severity: 'error',
        from: { path: pattern([part]) },
        to: { path: pattern(above) },
      });
    }
    const peers = level.filter((p) => p !== part);
    if (peers.length > 0) {
      layerRules.push({
        name: `server-layers: ${part} does not import its peers`,
        severity: 'error',
        from: { path: pattern([part]) },
        to: { path: pattern(peers) },
      });
    }
  }
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'An import cycle.', from: {}, to: { circular: true } },
    {
      name: 'protocol-depends-on-nothing-of-ours',
      severity: 'error',
      from: { path: '^packages/protocol/' },
      to: { path: '^packages/(client|server|react|vue)/' },
    },
    {
      name: 'client-never-imports-the-server-or-an-adapter',
      severity: 'error',
      from: { path: '^packages/client/' },
      to: { path: '^packages/(server|react|vue)/' },
    },
    {
      name: 'server-never-imports-the-client',
      severity: 'error',
      from: { path: '^packages/server/' },
      to: { path: '^packages/(client|react|vue)/' },
    },
    {
      name: 'adapters-only-use-client-and-protocol',
      severity: 'error',
      from: { path: '^packages/(react|vue)/' },
      to: { path: '^packages/(server|react|vue)/', pathNot: '^packages/$1/' },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'types', 'default'], extensions: ['.ts', '.tsx', '.js'] },
  },
};
