/**
 * Cycles of response channels: webhook A publishes its answers on a channel
 * that webhook B subscribes to, B on one that A subscribes to (or through
 * more webhooks). Each answer would be posted on and on: `servo validate`
 * rejects every such cycle.
 * @module
 */
import { compileSelector } from 'servo-core';

/** What the cycle check needs of a webhook. */
export interface ChannelWebhook {
  readonly name: string;
  readonly channels: readonly string[];
  readonly responseChannel?: string | undefined;
}

/**
 * Every cycle in the graph webhook -> response_channel -> subscribing
 * webhook, once each, as lists of webhook indices in travel order (a
 * webhook's own loop is left to its own check). Finds the strongly connected
 * components (Tarjan) and one cycle through each.
 */
export function responseCycles(webhooks: readonly ChannelWebhook[]): number[][] {
  const matchers = webhooks.map((w) =>
    w.channels.flatMap((sel) => {
      try {
        return [compileSelector(sel)];
      } catch {
        return []; // reported by the selector's own check
      }
    }),
  );
  const next = webhooks.map((w, i) =>
    w.responseChannel === undefined ? [] : webhooks.flatMap((_, j) => (j !== i && matchers[j]!.some((m) => m.matches(w.responseChannel!)) ? [j] : [])),
  );
  const cycles: number[][] = [];
  for (const component of components(next)) {
    if (component.length < 2) continue;
    const inside = new Set(component);
    cycles.push(cycleThrough(component[0]!, next, inside));
  }
  return cycles;
}

/** Strongly connected components (Tarjan), iterative enough for config sizes. */
function components(next: readonly number[][]): number[][] {
  let index = 0;
  const order = new Array<number>(next.length).fill(-1);
  const low = new Array<number>(next.length).fill(0);
  const onStack = new Array<boolean>(next.length).fill(false);
  const stack: number[] = [];
  const out: number[][] = [];
  const visit = (v: number): void => {
    order[v] = low[v] = index++;
    stack.push(v);
    onStack[v] = true;
    for (const w of next[v]!) {
      if (order[w] === -1) {
        visit(w);
        low[v] = Math.min(low[v]!, low[w]!);
      } else if (onStack[w]) low[v] = Math.min(low[v]!, order[w]!);
    }
    if (low[v] === order[v]) {
      const c: number[] = [];
      let w: number;
      do {
        w = stack.pop()!;
        onStack[w] = false;
        c.push(w);
      } while (w !== v);
      out.push(c.sort((a, b) => a - b));
    }
  };
  for (let v = 0; v < next.length; v++) if (order[v] === -1) visit(v);
  return out;
}

/** A shortest cycle from `start` back to itself within one component (breadth-first). */
function cycleThrough(start: number, next: readonly number[][], inside: ReadonlySet<number>): number[] {
  const from = new Map<number, number>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of next[v]!) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(from.get(path[0]!)!);
        return path;
      }
      if (!from.has(w)) {
        from.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}
