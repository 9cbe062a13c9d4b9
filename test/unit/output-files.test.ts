/** Every file pdl writes outside its ledger: created new, 0600, never through a link; --force replaces only the user's own file. */
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  readPrivateFile, replacePrivateFile, UnsafeOutputFileError, withOutputFiles, writeOutputFile,
} from '../../services/composition/output-files.js';
import { makeTempDir } from '../fixtures/temp-dirs.js';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('output files', () => {
  it('creates a new file with mode 0600, whatever the umask', () => {
    const file = join(makeTempDir('out'), 'report.md');
    const umask = process.umask(0o022);
    try {
      writeOutputFile(file, 'hello\n');
    } finally {
      process.umask(umask);
    }
    expect(readFileSync(file, 'utf8')).toBe('hello\n');
    expect(mode(file)).toBe(0o600);
  });

  it('refuses a file already there, naming --force, and leaves it as it was (a 0666 file planted in a shared folder)', () => {
    const dir = makeTempDir('out');
    const file = join(dir, 'u-1.json');
    writeFileSync(file, '');
    chmodSync(file, 0o666);
    expect(() => writeOutputFile(file, 'secret')).toThrow(/exists.*--force/);
    expect(readFileSync(file, 'utf8')).toBe('');
    expect(mode(file)).toBe(0o666);
  });

  it('never writes through a symbolic link, not even with --force, nor a dangling one', () => {
    const dir = makeTempDir('out');
    const target = join(dir, 'passwd');
    writeFileSync(target, 'root:x:0:0\n');
    const link = join(dir, 'report.md');
    symlinkSync(target, link);
    for (const force of [false, true]) {
      expect(() => writeOutputFile(link, 'secret', { force })).toThrow(UnsafeOutputFileError);
      expect(() => writeOutputFile(link, 'secret', { force })).toThrow(/symbolic link/);
    }
    expect(readFileSync(target, 'utf8')).toBe('root:x:0:0\n');
    const dangling = join(dir, 'bundle.json');
    symlinkSync(join(dir, 'not-yet'), dangling);
    expect(() => writeOutputFile(dangling, 'secret')).toThrow(/symbolic link/);
    expect(existsSync(join(dir, 'not-yet'))).toBe(false);
  });

  it('--force replaces a regular file of the user\'s own, new and 0600; refuses a folder', () => {
    const dir = makeTempDir('out');
    const file = join(dir, 'report.md');
    writeFileSync(file, 'old');
    chmodSync(file, 0o644);
    const before = statSync(file).ino;
    writeOutputFile(file, 'new', { force: true });
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(mode(file)).toBe(0o600);
    expect(statSync(file).ino).not.toBe(before);
    expect(readdirSync(dir)).toEqual(['report.md']);
    mkdirSync(join(dir, 'folder'));
    expect(() => writeOutputFile(join(dir, 'folder'), 'x', { force: true })).toThrow(/not a regular file/);
  });

  it.runIf(process.getuid?.() === 0)('--force refuses a file another user owns', () => {
    const file = join(makeTempDir('out'), 'report.md');
    writeFileSync(file, 'theirs');
    chownSync(file, 65534, 65534);
    expect(() => writeOutputFile(file, 'ours', { force: true })).toThrow(/another user/);
    expect(readFileSync(file, 'utf8')).toBe('theirs');
  });

  it('several files: all created before the work, all removed when one is refused or the work fails', async () => {
    const dir = makeTempDir('out');
    writeFileSync(join(dir, 'b.html'), 'planted');
    let ran = false;
    await expect(withOutputFiles([join(dir, 'a.json'), join(dir, 'b.html')], {}, () => { ran = true; })).rejects.toThrow(/b\.html exists/);
    expect(ran).toBe(false);
    expect(readdirSync(dir)).toEqual(['b.html']);
    await expect(withOutputFiles([join(dir, 'c.json'), join(dir, 'b.html')], { force: true }, ([c]) => {
      c.write('half');
      throw new Error('the work failed');
    })).rejects.toThrow(/the work failed/);
    expect(readdirSync(dir)).toEqual(['b.html']);
    expect(readFileSync(join(dir, 'b.html'), 'utf8')).toBe('planted');
    await withOutputFiles([join(dir, 'c.json'), join(dir, 'b.html')], { force: true }, ([c, b]) => {
      c.write('{}');
      b.write('<p>');
    });
    expect(readdirSync(dir).sort()).toEqual(['b.html', 'c.json']);
    expect(readFileSync(join(dir, 'b.html'), 'utf8')).toBe('<p>');
  });

  it('a state file is replaced by rename (a link at its name replaced, not followed) and read never through a link', () => {
    const dir = makeTempDir('out');
    const state = join(dir, 'witness.json');
    expect(readPrivateFile(state)).toBeNull();
    replacePrivateFile(state, '{"v":1}');
    replacePrivateFile(state, '{"v":2}');
    expect(readPrivateFile(state)).toBe('{"v":2}');
    expect(mode(state)).toBe(0o600);
    const target = join(dir, 'elsewhere');
    writeFileSync(target, 'keep');
    const linked = join(dir, 'linked.json');
    symlinkSync(target, linked);
    expect(() => readPrivateFile(linked)).toThrow(/symbolic link/);
    replacePrivateFile(linked, '{"v":3}');
    expect(lstatSync(linked).isFile()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('keep');
    expect(readdirSync(dir).sort()).toEqual(['elsewhere', 'linked.json', 'witness.json']);
  });
});
