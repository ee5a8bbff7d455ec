/**
 * Import rules (npm run depcheck, part of npm test). The layout is the architecture: folders depend
 * downward only; src/hub/ and src/cli/ are the assembly and nobody below them imports them.
 * @type {import('dependency-cruiser').IConfiguration}
 */

/** Known violations (none left: ingest and console declare the metric interfaces they use). */
const KNOWN_HUB_IMPORTS = [];

/** A "pathNot" for the `to` side that lets exactly the known pairs through for one `from` file. */
function exceptKnown(rule) {
  return [
    rule,
    ...KNOWN_HUB_IMPORTS.map((known) => ({ ...rule, from: { ...rule.from, path: known.from }, to: { ...rule.to, pathNot: known.to } })),
  ].map((r, i) => (i === 0 ? { ...r, from: { ...r.from, pathNot: [r.from.pathNot, ...KNOWN_HUB_IMPORTS.map((k) => k.from)].filter(Boolean) } } : r));
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Circular imports make initialisation order fragile and layers meaningless.',
      from: {},
      to: { circular: true },
    },
    ...exceptKnown({
      name: 'ingest-console-agent-not-to-hub',
      severity: 'error',
      comment: 'ingest, console and agent are parts the hub assembles; they must not reach back into src/hub/.',
      from: { path: '^src/(ingest|console|agent)/' },
      to: { path: '^src/hub/' },
    }),
    ...exceptKnown({
      name: 'nothing-imports-the-assembly',
      severity: 'error',
      comment: 'src/hub/ and src/cli/ are the assembly: only src/cli/ (and tests and benchmarks) import them.',
      from: { path: '^src/', pathNot: '^src/(cli|hub)/' },
      to: { path: '^src/(hub|cli)/' },
    }),
    {
      name: 'web-imports-only-types-from-src',
      severity: 'error',
      comment:
        "The browser app takes the console API's shapes from the server modules that produce them, as types only (import type / export type, erased at build): no server code may be bundled into the browser.",
      from: { path: '^web/' },
      to: { path: '^src/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'hub-not-to-cli',
      severity: 'error',
      comment: 'src/cli/ is the top: the hub assembly must not import the command line.',
      from: { path: '^src/hub/' },
      to: { path: '^src/cli/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.d.ts'] },
    moduleSystems: ['es6', 'cjs'],
  },
};
