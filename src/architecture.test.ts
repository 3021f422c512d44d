// The layout rules of DESIGN.md §3, checked on the real imports of src/ (non-test files only).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const sourceRoot = path.dirname(fileURLToPath(import.meta.url));

/** One import of ours between two top-level folders of src/: the importing file and the imported one. */
interface FolderImport {
  from: string;
  to: string;
  file: string;
  target: string;
}

/** Product files: `.ts` under src/, without tests (`*.test.ts`) and their helpers (`test-support/`). */
function productFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'test-support' ? [] : productFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/**
 * Every relative import (static, `import type`, re-export, dynamic) from a file inside a top-level folder,
 * as folder → folder. Files at the root of src/ (index.ts) re-export everything and are left out.
 */
function folderImports(): FolderImport[] {
  const imports: FolderImport[] = [];
  for (const file of productFiles(sourceRoot)) {
    const relative = path.relative(sourceRoot, file);
    const [from, ...rest] = relative.split(path.sep);
    if (from === undefined || rest.length === 0) continue;
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = path.relative(sourceRoot, path.resolve(path.dirname(file), fileName));
      const [to, ...inside] = target.split(path.sep);
      if (to === undefined) continue;
      imports.push({ from, to: inside.length === 0 ? '(src root)' : to, file: relative, target });
    }
  }
  return imports;
}

/**
 * The folder cycles of a graph: its strongly connected components with more than one folder (Tarjan),
 * each sorted, in a stable order.
 *
 * @example
 * folderCycles([['a', 'b'], ['b', 'a'], ['b', 'c']]) // [['a', 'b']]
 */
function folderCycles(edges: ReadonlyArray<readonly [string, string]>): string[][] {
  const next = new Map<string, Set<string>>();
  for (const [from, to] of edges) {
    if (from === to) continue;
    next.set(from, (next.get(from) ?? new Set()).add(to));
    if (!next.has(to)) next.set(to, new Set());
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (folder: string) => {
    index.set(folder, index.size);
    low.set(folder, index.get(folder)!);
    stack.push(folder);
    onStack.add(folder);
    for (const target of next.get(folder) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(folder, Math.min(low.get(folder)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(folder, Math.min(low.get(folder)!, index.get(target)!));
      }
    }
    if (low.get(folder) !== index.get(folder)) return;
    const component: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack.delete(member);
      component.push(member);
      if (member === folder) break;
    }
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const folder of [...next.keys()].sort()) if (!index.has(folder)) visit(folder);
  return cycles.sort((left, right) => left.join().localeCompare(right.join()));
}

describe('folderCycles', () => {
  it.each([
    {
      name: 'a chain has none',
      edges: [
        ['a', 'b'],
        ['b', 'c'],
      ],
      cycles: [],
    },
    {
      name: 'two folders importing each other',
      edges: [
        ['a', 'b'],
        ['b', 'a'],
      ],
      cycles: [['a', 'b']],
    },
    {
      name: 'a longer loop, with a folder outside it',
      edges: [
        ['cli', 'sdk'],
        ['sdk', 'ingest'],
        ['ingest', 'cli'],
        ['ingest', 'core'],
      ],
      cycles: [['cli', 'ingest', 'sdk']],
    },
    { name: 'a folder importing itself', edges: [['a', 'a']], cycles: [] },
  ] as Array<{ name: string; edges: Array<[string, string]>; cycles: string[][] }>)(
    '$name',
    ({ edges, cycles }) => {
      expect(folderCycles(edges)).toEqual(cycles);
    },
  );
});

describe('the layout of src/ (DESIGN.md §3)', () => {
  const imports = folderImports();
  const crossing = imports.filter((entry) => entry.from !== entry.to);
  const describeEdges = (entries: FolderImport[]) =>
    entries.map((entry) => `${entry.from} → ${entry.to}: ${entry.file} imports ${entry.target}`);

  it('reads the imports of every top-level folder', () => {
    const folders = new Set(imports.map((entry) => entry.from));
    for (const folder of [
      'cli',
      'context',
      'core',
      'eval',
      'ingest',
      'lifecycle',
      'models',
      'retrieve',
      'sdk',
    ])
      expect(folders).toContain(folder);
    expect(crossing.length).toBeGreaterThan(100);
  });

  it('has no import cycle between top-level folders', () => {
    const cycles = folderCycles(crossing.map((entry) => [entry.from, entry.to] as const));
    const edgesInCycles = cycles.flatMap((cycle) =>
      describeEdges(crossing.filter((entry) => cycle.includes(entry.from) && cycle.includes(entry.to))),
    );
    expect(edgesInCycles, `cycles: ${JSON.stringify(cycles)}`).toEqual([]);
  });

  it('keeps core free of imports of ours', () => {
    expect(describeEdges(crossing.filter((entry) => entry.from === 'core'))).toEqual([]);
  });

  it('keeps store below the write and read paths: it imports only core and models', () => {
    const upward = crossing.filter(
      (entry) => entry.from === 'store' && entry.to !== 'core' && entry.to !== 'models',
    );
    expect(describeEdges(upward)).toEqual([]);
  });
});
