#!/usr/bin/env node
// The `servo` command as npm links it. This file is committed, not built: `npm install` links
// bins before `prepare` builds dist/, and a link to a file that does not exist yet is skipped.
// The CLI itself (dist/cli/main.js) is imported when the command runs.
try {
  await import('../dist/cli/main.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('/dist/cli/main.js')) throw err;
  process.stderr.write('servo: servo-core is not built (dist/cli/main.js is missing); run `npm run build` in the repository\n');
  process.exitCode = 70;
}
