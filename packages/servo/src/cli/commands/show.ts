import { dirname } from 'node:path';
import { UsageError } from '../../errors.js';
import { components as componentsEvent, metrics as metricsEvent } from '../../events/standard.js';
import type { CommandContext } from '../context.js';
import { completedResults } from '../dispatch-result.js';
import { json, table } from '../output.js';

/** `servo show connectors|events|metrics|components` */
export default async function show(ctx: CommandContext, what: string, opts: { available?: boolean }): Promise<void> {
  switch (what) {
    case 'connectors':
      return opts.available ? showAvailable(ctx) : showConnectors(ctx);
    case 'events':
      return showEvents(ctx);
    case 'metrics':
      return showMetrics(ctx);
    case 'components':
      return showComponents(ctx);
    default:
      throw new UsageError(`cannot show "${what}": expected one of connectors, events, metrics, components`);
  }
}

async function showConnectors(ctx: CommandContext): Promise<void> {
  const servo = await ctx.loadServo({ usesSecrets: false });
  const rows = servo.connectors.map((c) => ({
    name: c.name,
    type: c.type,
    version: c.definition.metadata.version,
    maturity: c.definition.metadata.maturity,
    description: c.definition.metadata.description,
    homepage: c.definition.metadata.homepage ?? null,
    license: c.definition.metadata.license ?? null,
  }));
  if (ctx.output === 'json') return ctx.write(json(rows));
  ctx.write(
    table(
      ['NAME', 'TYPE', 'VERSION', 'MATURITY', 'DESCRIPTION'],
      rows.map((r) => [r.name, r.type, r.version, r.maturity, r.description]),
      { fitTo: ctx.stdout },
    ),
  );
}

async function showAvailable(ctx: CommandContext): Promise<void> {
  const { availableConnectors } = await import('../../assembly/load.js');
  const rows = [];
  for (const c of availableConnectors(dirname(ctx.configFile)).values()) {
    const d = await c.load();
    rows.push({ type: c.type, package: c.packageName, version: d.metadata.version, maturity: d.metadata.maturity, description: d.metadata.description });
  }
  if (ctx.output === 'json') return ctx.write(json(rows));
  ctx.write(
    table(
      ['TYPE', 'PACKAGE', 'VERSION', 'MATURITY', 'DESCRIPTION'],
      rows.map((r) => [r.type, r.package, r.version, r.maturity, r.description]),
      { fitTo: ctx.stdout },
    ),
  );
}

async function showEvents(ctx: CommandContext): Promise<void> {
  const servo = await ctx.loadServo({ usesSecrets: false });
  const rows = [...servo.events.values()].map((e) => {
    const by = (p: 'before' | 'on' | 'after') => servo.connectors.filter((c) => c.handlers.has(e.name, p)).map((c) => c.name);
    return { event: e.name, description: e.description, before: by('before'), on: by('on'), after: by('after') };
  });
  if (ctx.output === 'json') return ctx.write(json(rows));
  ctx.write(
    table(
      ['EVENT', 'BEFORE', 'ON', 'AFTER', 'DESCRIPTION'],
      rows.map((r) => [r.event, r.before, r.on, r.after, r.description]),
      { fitTo: ctx.stdout },
    ),
  );
}

async function showMetrics(ctx: CommandContext): Promise<void> {
  const servo = await ctx.loadServo();
  const results = completedResults(await servo.dispatch(metricsEvent, {}), ctx);
  const rows = results.flatMap((r) => (r.value ?? []).map((m) => ({ connector: r.connector, name: m.name, unit: m.unit })));
  if (ctx.output === 'json') return ctx.write(json(rows));
  ctx.write(
    table(
      ['CONNECTOR', 'METRIC', 'UNIT'],
      rows.map((r) => [r.connector, r.name, r.unit]),
      { fitTo: ctx.stdout },
    ),
  );
}

async function showComponents(ctx: CommandContext): Promise<void> {
  const servo = await ctx.loadServo();
  const results = completedResults(await servo.dispatch(componentsEvent, {}), ctx);
  const rows = results.flatMap((r) => (r.value ?? []).map((c) => ({ connector: r.connector, name: c.name, settings: (c.settings ?? []).map((s) => s.name) })));
  if (ctx.output === 'json') return ctx.write(json(rows));
  ctx.write(
    table(
      ['CONNECTOR', 'COMPONENT', 'SETTINGS'],
      rows.map((r) => [r.connector, r.name, r.settings]),
      { fitTo: ctx.stdout },
    ),
  );
}
