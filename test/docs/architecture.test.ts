/**
 * docs/ARCHITECTURE.md is what a new contributor reads first: every path it
 * names must exist, so that a move that forgets it fails here.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/firmware.js';

const doc = readFileSync(path.join(REPO_ROOT, 'docs/ARCHITECTURE.md'), 'utf8');

describe('docs/ARCHITECTURE.md', () => {
  it('names only paths that exist', () => {
    const named = [...doc.matchAll(/`((?:src|test|firmware|bench|docs|examples|scripts)\/[^`\s]*)`/g)].map((m) => m[1]!);
    const inDiagram = [...doc.matchAll(/^(?:[\s│]*[├└]─ )?((?:src|firmware)\/[\w/.-]*)/gm)].map((m) => m[1]!);
    const paths = [...new Set([...named, ...inDiagram])];
    expect(paths.length).toBeGreaterThan(20);
    expect(paths.filter((p) => !existsSync(path.join(REPO_ROOT, p)))).toEqual([]);
  });

  it('lists every stage folder of src/', () => {
    const stages = ['action', 'cli', 'common', 'toolchain', 'mlf', 'build', 'allhw', 'run', 'results', 'github', 'report', 'serve'];
    for (const s of stages) expect(doc, s).toContain(`src/${s}/`);
  });
});
