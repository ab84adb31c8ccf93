/**
 * "Did you mean" suggestions and readable lists of valid choices.
 * @module
 */

/** Edit distance between two strings (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The choice closest to `input`, when it is close enough to be a likely typo
 * (case-insensitive; at most a third of the word's letters differ).
 */
export function closest(input: string, choices: Iterable<string>): string | undefined {
  const needle = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const choice of choices) {
    const d = editDistance(needle, choice.toLowerCase());
    if (d < bestDistance) {
      best = choice;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.floor(Math.max(input.length, 3) / 3));
  return best !== undefined && bestDistance <= limit ? best : undefined;
}

const LIST_LIMIT = 30;

/** `a, b, c` — long lists are cut after {@link LIST_LIMIT} entries with a count of the rest. */
export function listChoices(choices: readonly string[]): string {
  if (choices.length === 0) return '(none)';
  if (choices.length <= LIST_LIMIT) return choices.join(', ');
  return `${choices.slice(0, LIST_LIMIT).join(', ')}, ... (${choices.length - LIST_LIMIT} more)`;
}

/** `did you mean "x"?` when a close choice exists, else `fallback`. */
export function didYouMean(input: string, choices: readonly string[], fallback: string): string {
  const match = closest(input, choices);
  return match !== undefined ? `did you mean "${match}"?` : fallback;
}
