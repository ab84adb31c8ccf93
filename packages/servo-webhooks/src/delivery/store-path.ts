/**
 * Whether a SQLite store path can be used, checked before anything is queued
 * (by `servo validate` and every command that loads the connector), so an
 * unusable store is a located configuration error instead of deliveries
 * that silently go nowhere.
 * @module
 */
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';

function stat(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * What is wrong with `file` as a SQLite store (an absolute path), or
 * `undefined` when it can be used: it must be a regular file or not exist
 * yet, readable and writable, in a folder that exists or can be created and
 * that is writable (SQLite writes its `-wal` and `-shm` files beside it).
 */
export function storePathProblem(file: string): string | undefined {
  const s = stat(file);
  if (s?.isDirectory()) return 'is a folder, not a file';
  if (s && !s.isFile()) return 'is not a regular file (a device, pipe or socket)';
  if (s) {
    try {
      accessSync(file, constants.R_OK | constants.W_OK);
    } catch {
      return 'is not readable and writable by this user';
    }
  }
  // The nearest folder that exists: the store's own, or the one its folders will be created in.
  let folder = dirname(file);
  while (!stat(folder) && dirname(folder) !== folder) folder = dirname(folder);
  const f = stat(folder);
  if (!f?.isDirectory()) return `cannot be created: ${folder} is not a folder`;
  if (!writable(folder))
    return folder === dirname(file) ? `is in a folder this user cannot write (${folder})` : `cannot be created: this user cannot write ${folder}`;
  return undefined;
}
