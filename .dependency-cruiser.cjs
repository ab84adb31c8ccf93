/**
 * Dependency rules of the sources, checked by `npm run check:deps` (part of `npm test`):
 *
 * - no import cycle, type-only imports included;
 * - servo-core's layers: base (model, events, pubsub, json-schema, errors, logging)
 *   <- connector <- assembly <- connectors/scripts and optimizer (side by side: neither imports
 *   the other) <- cli; a layer never imports a higher one;
 * - servo-webhooks reaches servo-core only through its package entry points
 *   (`servo-core`, `servo-core/cli`), never its sources or deep dist paths.
 *
 * Package imports resolve through node_modules to servo-core's built entry points,
 * so run it after the build (`npm test` does).
 * @type {import('dependency-cruiser').IConfiguration}
 */
const CORE = '^packages/servo/src/';
const BASE = `${CORE}(model/|events/|pubsub/|json-schema\\.ts$|errors\\.ts$|logging\\.ts$)`;
const CONNECTOR = `${CORE}connector/`;
const ASSEMBLY = `${CORE}assembly/`;
const CONNECTORS = `${CORE}connectors/`;
const OPTIMIZER = `${CORE}optimizer/`;
const CLI = `${CORE}cli/`;
const CORE_ENTRY_POINTS = '^packages/servo/dist/(index|cli/index)\\.(js|d\\.ts)$';

/** A rule forbidding `from` to import any of `higher`. */
const layer = (name, from, higher, comment) => ({
  name,
  severity: 'error',
  comment,
  from: { path: from },
  to: { path: `(${higher.join('|')})` },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle (type-only imports count): modules in a cycle cannot be understood, loaded or tested apart.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve (for a servo-core import: build first, or the path is not one of its entry points).',
      from: { path: '^packages/[^/]+/src/' },
      to: { couldNotResolve: true },
    },
    layer(
      'core-base-is-lowest',
      BASE,
      [CONNECTOR, ASSEMBLY, CONNECTORS, OPTIMIZER, CLI],
      'model, events, pubsub, json-schema, errors and logging import no higher layer.',
    ),
    layer(
      'core-connector-below-assembly',
      CONNECTOR,
      [ASSEMBLY, CONNECTORS, OPTIMIZER, CLI],
      'The connector contract does not know the assembly, the built-in connectors, the optimizer loop or the CLI.',
    ),
    layer(
      'core-assembly-below-connectors',
      ASSEMBLY,
      [CONNECTORS, OPTIMIZER, CLI],
      'The assembly does not import the built-in connectors, the optimizer loop or the CLI.',
    ),
    layer('core-connectors-below-cli', CONNECTORS, [OPTIMIZER, CLI], 'The built-in connectors do not import the optimizer loop or the CLI.'),
    layer(
      'core-optimizer-below-cli',
      OPTIMIZER,
      [CONNECTORS, CLI],
      'The optimizer loop and the fake optimizer drive a Servo through the assembly and events; the CLI runs them, never the other way.',
    ),
    {
      name: 'core-not-through-its-barrel',
      severity: 'error',
      comment: "servo-core's modules import each other directly; index.ts is for users.",
      from: { path: CORE },
      to: { path: `${CORE}index\\.ts$` },
    },
    {
      name: 'webhooks-uses-core-public-api',
      severity: 'error',
      comment: "servo-webhooks imports servo-core only as 'servo-core' or 'servo-core/cli', never its sources or other dist files.",
      from: { path: '^packages/servo-webhooks/' },
      to: { path: '^(packages/servo/|node_modules/servo-core/)', pathNot: CORE_ENTRY_POINTS },
    },
    {
      name: 'core-does-not-know-webhooks',
      severity: 'error',
      comment: 'servo-core knows connectors only through the contract and discovery.',
      from: { path: CORE },
      to: { path: '^(packages/servo-webhooks/|node_modules/servo-webhooks/)' },
    },
  ],
  options: {
    // Type-only imports are dependencies too: a cycle through `import type` still couples the modules.
    tsPreCompilationDeps: true,
    doNotFollow: { path: ['node_modules', '^packages/[^/]+/dist/'] },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types'],
    },
  },
};
