/**
 * The direction of imports (ARCHITECTURE.md). `npm test` runs this check; a violation fails CI.
 *
 *   cli, agent ─ protocol;   agent ─ adapters ─ reports;   server ─ queue ─ storage ─ domain ─ protocol
 *
 * src/main.ts and src/serve.ts are the composition root and may import every component.
 */
const component = (name) => `^src/${name}/`;
const only = (from, allowed) => ({
  name: `${from}-imports`,
  comment: `${from} may import only ${allowed.join(', ') || 'nothing of ours'}`,
  severity: 'error',
  from: { path: component(from) },
  to: { path: '^src/', pathNot: [component(from), ...allowed.map(component)] },
});

module.exports = {
  forbidden: [
    only('protocol', []),
    only('domain', ['protocol']),
    only('reports', ['protocol', 'domain']),
    only('adapters', ['reports', 'protocol', 'domain']),
    only('storage', ['domain', 'protocol']),
    only('queue', ['storage', 'domain', 'protocol']),
    only('server', ['queue', 'storage', 'reports', 'domain', 'protocol']),
    only('agent', ['adapters', 'reports', 'protocol', 'domain']),
    only('cli', ['reports', 'protocol', 'domain']),
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'a cycle makes the components one',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
  },
};
