/**
 * Every file pdl writes outside its ledger — exports with decrypted values, reports, proof
 * bundles, cosigned checkpoints, a new master key, state files — is opened so that nobody else can
 * have prepared it: created new (O_EXCL), never through a symbolic link (O_NOFOLLOW), mode 0600
 * whatever the umask. A file already there is refused unless the caller says `--force`, and even
 * then only a regular file of the user's own is replaced (a new file renamed over it): a file
 * another user planted in a shared folder such as /tmp could otherwise be kept open to them (its
 * 0666 mode and owner survive a truncating write), and a link would send the write to its target.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync, constants, fchmodSync, fstatSync, lstatSync, openSync, readFileSync, renameSync, unlinkSync, writeSync, type Stats,
} from 'node:fs';
import { ValidationError } from '../errors.js';
import { PRIVATE_FILE_MODE } from './private-files.js';

/** An output file that is not safe to write, or that is there already without --force. */
export class UnsafeOutputFileError extends ValidationError {}

const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const READ_NO_LINK = constants.O_RDONLY | constants.O_NOFOLLOW;

export interface OutputFile {
  readonly path: string;
  write(content: string | Uint8Array): void;
}

const errorCode = (error: unknown): string | undefined =>
  error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;

/** What is at `path` itself (a link, not its target), or null when nothing is. */
export function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw error;
  }
}

/** Why the thing at `path` is no file to write over, or null when --force may replace it. */
function whyNotReplaceable(path: string, found: Stats): string | null {
  if (found.isSymbolicLink()) return `${path} is a symbolic link: pdl never writes through one (remove it, or choose another path)`;
  if (!found.isFile()) return `${path} exists and is not a regular file: refused`;
  const uid = process.getuid?.();
  if (uid !== undefined && found.uid !== uid) return `${path} belongs to another user (uid ${found.uid}): refused, even with --force (choose another path)`;
  return null;
}

/** Creates `path` new, 0600, or refuses when anything is there (the open itself refuses a link or a file that appeared after the look). */
function createNew(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, CREATE_NEW, PRIVATE_FILE_MODE);
  } catch (error) {
    if (errorCode(error) === 'EEXIST' || errorCode(error) === 'ELOOP') {
      const found = lstatOrNull(path);
      throw new UnsafeOutputFileError((found && whyNotReplaceable(path, found)) ?? `${path} exists: pdl writes only new files (give --force to replace a file of yours)`);
    }
    throw error;
  }
  fchmodSync(fd, PRIVATE_FILE_MODE); // whatever the umask of an in-process caller
  return fd;
}

function writeAll(fd: number, content: string | Uint8Array): void {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
}

interface Opened { path: string; fd: number; written: string }

/**
 * Opens `path` for writing: created new, or — with `force`, over a regular file of the user's own —
 * a new temporary file beside it that replaces it by rename once written, so a failure leaves the
 * old file as it was and the rename replaces the name, never following a link put there meanwhile.
 */
function open(path: string, force: boolean): Opened {
  const found = lstatOrNull(path);
  if (!found) return { path, fd: createNew(path), written: path };
  const why = whyNotReplaceable(path, found);
  if (why) throw new UnsafeOutputFileError(why);
  if (!force) throw new UnsafeOutputFileError(`${path} exists: pdl writes only new files (give --force to replace a file of yours)`);
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  return { path, fd: createNew(temporary), written: temporary };
}

function finish(opened: readonly Opened[]): void {
  for (const file of opened) closeSync(file.fd);
  for (const file of opened) if (file.written !== file.path) renameSync(file.written, file.path);
}

function discard(opened: readonly Opened[]): void {
  for (const file of opened) {
    try {
      closeSync(file.fd);
    } catch {
      // Closed already (finish got that far): the file is still ours to remove.
    }
    const path = lstatOrNull(file.written) ? file.written : null;
    if (path) unlinkSync(path);
  }
}

function openAll(paths: readonly string[], force: boolean): Opened[] {
  const opened: Opened[] = [];
  try {
    for (const path of paths) opened.push(open(path, force));
    return opened;
  } catch (error) {
    discard(opened);
    throw error;
  }
}

/**
 * Creates every file in `paths` before `use` runs (so a refusal comes before any work, or any read
 * is recorded), hands them to it to write, and closes them. If a file is refused or `use` throws,
 * the files created here are removed (a file --force would have replaced is left as it was).
 */
export async function withOutputFiles<const P extends readonly string[], T>(
  paths: P, options: { force?: boolean }, use: (files: { readonly [K in keyof P]: OutputFile }) => Promise<T> | T,
): Promise<T> {
  const opened = openAll(paths, options.force === true);
  try {
    const files = opened.map(({ path, fd }): OutputFile => ({ path, write: (content: string | Uint8Array) => writeAll(fd, content) }));
    // One file per path, in order: the tuple type is what `map` made.
    const result = await use(files as unknown as { readonly [K in keyof P]: OutputFile });
    finish(opened);
    return result;
  } catch (error) {
    discard(opened);
    throw error;
  }
}

/** One output file, written whole: `withOutputFiles` for a content already made. */
export function writeOutputFile(path: string, content: string | Uint8Array, options: { force?: boolean } = {}): void {
  const opened = openAll([path], options.force === true);
  try {
    writeAll(opened[0]!.fd, content);
    finish(opened);
  } catch (error) {
    discard(opened);
    throw error;
  }
}

/**
 * A state file pdl keeps and rewrites (the witness's, verify's): replaced whole by rename, so a
 * crash leaves the old one or the new one. The new content goes to a temporary file of an
 * unguessable name, created new and 0600; rename replaces whatever is at `path` — a link included —
 * without following it.
 */
export function replacePrivateFile(path: string, content: string): void {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  writeOutputFile(temporary, content);
  try {
    renameSync(temporary, path);
  } catch (error) {
    unlinkSync(temporary);
    throw error;
  }
}

/** A private file's text, or null when there is none; a symbolic link is refused rather than followed. */
export function readPrivateFile(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, READ_NO_LINK);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    if (errorCode(error) === 'ELOOP') throw new UnsafeOutputFileError(`${path} is a symbolic link: pdl never reads its state through one (replace it with the file itself)`);
    throw error;
  }
  try {
    if (!fstatSync(fd).isFile()) throw new UnsafeOutputFileError(`${path} is not a regular file: refused`);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
