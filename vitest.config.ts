import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Unit tests run against the sources; CLI tests run the built bin (npm test builds first).
    // Exact matches: a bare 'servo-core' key would also rewrite 'servo-core/cli' to a path under index.ts.
    alias: [
      { find: /^servo-core$/, replacement: fileURLToPath(new URL('./packages/servo/src/index.ts', import.meta.url)) },
      { find: /^servo-core\/cli$/, replacement: fileURLToPath(new URL('./packages/servo/src/cli/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Subprocess and socket tests share 2 cores on CI: keep parallelism modest.
    maxWorkers: 2,
  },
});
