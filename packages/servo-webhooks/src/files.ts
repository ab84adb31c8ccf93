/**
 * Files the connector reads on an operator's word (`ca_file`, `trigger
 * --data`): regular files only, of bounded size, so `/dev/zero` or a huge
 * file is a clear error instead of a read without end.
 * @module
 */
import { readFileSync, statSync } from 'node:fs';

/** Most bytes read from such a file: 4 MiB. */
export const MAX_INPUT_FILE_BYTES = 4 * 1024 * 1024;

/** Why `path` cannot be read as an input file (`does not exist`, `is not a regular file`, ...), or undefined when it can. */
export function inputFileProblem(path: string, maxBytes = MAX_INPUT_FILE_BYTES): string | undefined {
  let info: ReturnType<typeof statSync>;
  try {
    info = statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (err as Error).message})`;
  }
  if (!info.isFile()) return 'is not a regular file (a device, folder or pipe would be read without end)';
  if (info.size > maxBytes) return `is ${info.size} bytes; the most read is ${maxBytes} (4 MiB)`;
  return undefined;
}

/** The bytes of a regular file of at most `maxBytes`; throws an Error saying why not. */
export function readInputFile(path: string, maxBytes = MAX_INPUT_FILE_BYTES): Buffer {
  const problem = inputFileProblem(path, maxBytes);
  if (problem) throw new Error(`${path} ${problem}`);
  return readFileSync(path);
}
