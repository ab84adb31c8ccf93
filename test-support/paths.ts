/** Paths of the workspace, for tests that run built files or make projects. */
import { fileURLToPath } from 'node:url';

/** The workspace root (the folder holding packages/). */
export const WORKSPACE = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
