/**
 * The two builds of servo-webhooks/receiver as users get them: the package
 * import (Node resolves the `node` condition) and the exports map's `default`
 * target (what a Fetch-API runtime resolves).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as nodeBuild from 'servo-webhooks/receiver';

export const pkgDir = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { exports: Record<string, Record<string, string>> };
const entry = pkg.exports['./receiver']!;

export type Receiver = typeof nodeBuild;
/** The WebCrypto build: the `default` condition's file. */
export const webBuild = (await import(pathToFileURL(join(pkgDir, entry.default!)).href)) as Receiver;
/** Both builds, named. */
export const builds: [string, Receiver][] = [
  ['node build', nodeBuild],
  ['WebCrypto build', webBuild],
];
