/**
 * A strict reader of the Prometheus text exposition format (0.0.4) for the
 * tests: every line must be a HELP, a TYPE or a sample of a declared family
 * (histograms: `_bucket` with `le`, `_sum`, `_count`), names and label values
 * well-formed, values numbers; anything else throws naming the line.
 * (parse-prometheus-text-format, the npm parser, merges the series of a
 * labelled histogram into one, so it cannot check per-webhook latency.)
 */

/** One sample line. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A family: its HELP, TYPE and samples. */
export interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: -?\d+)?$/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(?:,|$)/;

function parseValue(text: string, line: number): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const v = Number(text);
  if (text === '' || Number.isNaN(v)) throw new Error(`line ${line}: value ${JSON.stringify(text)} is not a number`);
  return v;
}

/** Parses `/metrics` output; throws on any line that is not the format. */
export function parseMetrics(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  if (!text.endsWith('\n')) throw new Error('the exposition does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((raw, i) => {
    const n = i + 1;
    if (raw === '') return;
    if (raw.startsWith('# HELP ') || raw.startsWith('# TYPE ')) {
      const [, kind, name, ...rest] = raw.split(' ');
      if (!name || !NAME.test(name)) throw new Error(`line ${n}: bad metric name in ${JSON.stringify(raw)}`);
      const f = families.get(name) ?? { name, help: '', type: 'untyped' as const, samples: [] };
      if (kind === 'HELP') f.help = rest.join(' ');
      else {
        const t = rest.join(' ');
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(t)) throw new Error(`line ${n}: unknown type ${t}`);
        f.type = t as Family['type'];
      }
      families.set(name, f);
      return;
    }
    if (raw.startsWith('#')) return;
    const m = SAMPLE.exec(raw);
    if (!m) throw new Error(`line ${n}: not a sample: ${JSON.stringify(raw)}`);
    const [, name, labelText = '', valueText] = m as unknown as [string, string, string | undefined, string];
    const labels: Record<string, string> = {};
    let rest = labelText;
    while (rest.length > 0) {
      const l = LABEL.exec(rest);
      if (!l) throw new Error(`line ${n}: bad labels ${JSON.stringify(labelText)}`);
      labels[l[1] as string] = (l[2] as string).replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
      rest = rest.slice(l[0].length);
    }
    const base = families.get(name) ?? families.get(name.replace(/_(bucket|sum|count)$/, ''));
    if (!base) throw new Error(`line ${n}: sample ${name} of no declared family`);
    if (base.name !== name && base.type !== 'histogram' && base.type !== 'summary')
      throw new Error(`line ${n}: ${name} is not a sample of ${base.type} ${base.name}`);
    if (name.endsWith('_bucket') && base.name !== name && labels.le === undefined) throw new Error(`line ${n}: a bucket without le`);
    base.samples.push({ name, labels, value: parseValue(valueText, n) });
  });
  return families;
}

/** The value of the sample `sample` (default: the family's own name) of family `family` whose labels include `labels`. */
export function sampleValue(m: Map<string, Family>, family: string, labels: Record<string, string> = {}, sample = family): number | undefined {
  const s = m.get(family)?.samples.find((x) => x.name === sample && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s?.value;
}
