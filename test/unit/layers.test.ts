/**
 * The import graph of the product code (README "Layout"): every import runs down the layers
 * foundation → store → ledger → projections → projector → the rooms on top (proofs, api, cli, …),
 * and no files import one another round a cycle. Read with TypeScript's own pre-processor, so
 * `import type`, re-exports and `await import()` all count.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const ROOMS = ['schemas', 'services', 'projections', 'console'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' || name === 'dist' ? [] : sources(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [relative(ROOT, path)] : [];
  });
}

/** Lower numbers are lower layers; a file may import its own layer or any below it. */
function layerOf(file: string): number {
  if (file.startsWith('schemas/') || file === 'services/errors.ts' || file.startsWith('services/merkle/')) return 0;
  if (file.startsWith('services/store/')) return 1;
  if (file.startsWith('services/ledger/')) return 2;
  if (file.startsWith('projections/')) return 3;
  if (file.startsWith('services/projector/')) return 4;
  return 5;
}

const files = ROOMS.flatMap((room) => sources(join(ROOT, room)));
const imports = new Map(files.map((file) => {
  const { importedFiles } = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
  const local = importedFiles.map((i) => i.fileName).filter((name) => name.startsWith('.'))
    .map((name) => relative(ROOT, resolve(ROOT, dirname(file), name)).replace(/\.js$/, '.ts'));
  return [file, local] as const;
}));

describe('the import graph', () => {
  it('reads every product file and finds its imports', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(imports.get('services/ledger/ledger.ts')).toContain('services/store/port.ts');
  });

  it('keeps the standalone verifier to its own folder (type-only schema imports are erased)', () => {
    const verifier = files.filter((file) => file.startsWith('services/proofs/verifier/'));
    expect(verifier.length).toBeGreaterThan(1);
    for (const file of verifier) {
      const { importedFiles } = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const { fileName } of importedFiles) {
        const inside = fileName.startsWith('./');
        const typeOnly = new RegExp(`(import|export) type [^;]*from '${fileName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'`).test(text);
        expect(inside || typeOnly, `${file} imports ${fileName}`).toBe(true);
      }
    }
  });

  it('has no import running up from a lower layer', () => {
    const upward = [...imports].flatMap(([file, targets]) => targets.filter((target) => layerOf(target) > layerOf(file)).map((target) => `${file} -> ${target}`));
    expect(upward).toEqual([]);
  });

  it('has no cycle: no two files import each other, directly or round others', () => {
    // Tarjan's strongly connected components: any with two or more files is a cycle.
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (file: string) => {
      index.set(file, index.size);
      low.set(file, index.get(file)!);
      stack.push(file);
      onStack.add(file);
      for (const target of imports.get(file) ?? []) {
        if (!imports.has(target)) continue;
        if (!index.has(target)) {
          visit(target);
          low.set(file, Math.min(low.get(file)!, low.get(target)!));
        } else if (onStack.has(target)) low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
      if (low.get(file) === index.get(file)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== file);
        if (component.length > 1) cycles.push(component.sort());
      }
    };
    for (const file of files) if (!index.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });

  it('keeps the Merkle tree a foundation: nothing under services/proofs is imported by the ledger or the projections', () => {
    const intoProofs = [...imports].flatMap(([file, targets]) => layerOf(file) <= 4 ? targets.filter((t) => t.startsWith('services/proofs/')).map((t) => `${file} -> ${t}`) : []);
    expect(intoProofs).toEqual([]);
  });
});
