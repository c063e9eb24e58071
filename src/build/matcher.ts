/**
 * The gcc problem matcher (matchers/gcc.json): registered while the build
 * runs inside GitHub Actions so compiler warnings and errors become
 * annotations on the PR's lines.
 *
 * How GitHub maps a matched file (actions/runner, OutputManager): an absolute
 * path that exists under the workflow's repository is made relative to it; a
 * relative path is taken relative to the workspace (GITHUB_WORKSPACE), not to
 * the directory the compiler ran in. CMake and Zephyr give gcc absolute
 * paths; make usually gives relative ones, so the lines we echo are anchored
 * to the directory make was in (the build log keeps the raw bytes).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gccMatcherFile } from './assets.js';

export interface MatcherPattern {
  regexp: string;
  file: number;
  line: number;
  column?: number;
  severity?: number;
  message: number;
}

export interface MatcherFile {
  problemMatcher: { owner: string; pattern: MatcherPattern[] }[];
}

export interface Diagnostic {
  file: string;
  line: number;
  column: number | null;
  severity: string;
  message: string;
}

let loaded: { owner: string; pattern: MatcherPattern; regexp: RegExp } | null = null;

function matcher(): { owner: string; pattern: MatcherPattern; regexp: RegExp } {
  if (!loaded) {
    const json = JSON.parse(readFileSync(gccMatcherFile(), 'utf8')) as MatcherFile;
    const first = json.problemMatcher[0];
    loaded = { owner: first.owner, pattern: first.pattern[0], regexp: new RegExp(first.pattern[0].regexp) };
  }
  return loaded;
}

/** The workflow command that turns the matcher on. */
export function addMatcherCommand(): string {
  return `::add-matcher::${gccMatcherFile()}`;
}

/** The workflow command that turns it off again. */
export function removeMatcherCommand(): string {
  return `::remove-matcher owner=${matcher().owner}::`;
}

/** Applies the shipped matcher's regexp to one line, as the runner would. */
export function matchDiagnostic(line: string): Diagnostic | null {
  const { pattern, regexp } = matcher();
  const m = regexp.exec(line);
  if (!m) return null;
  const column = pattern.column !== undefined ? m[pattern.column] : undefined;
  return {
    file: m[pattern.file],
    line: Number(m[pattern.line]),
    column: column ? Number(column) : null,
    severity: pattern.severity !== undefined ? m[pattern.severity] : 'error',
    message: m[pattern.message],
  };
}

const MAKE_DIRECTORY = /^(?:\S*make(?:\[\d+\])?): (Entering|Leaving) directory [`'‘](.*)['’]\s*$/;

/**
 * Rewrites relative file names in compiler lines to absolute ones, following
 * make's "Entering directory" / "Leaving directory" lines.
 */
export class DiagnosticAnchor {
  private readonly dirs: string[];

  constructor(cwd: string) {
    this.dirs = [cwd];
  }

  line(text: string): string {
    const dir = MAKE_DIRECTORY.exec(text);
    if (dir) {
      if (dir[1] === 'Entering') this.dirs.push(dir[2]);
      else if (this.dirs.length > 1) this.dirs.pop();
      return text;
    }
    const d = matchDiagnostic(text);
    if (!d || path.isAbsolute(d.file)) return text;
    const absolute = path.resolve(this.dirs[this.dirs.length - 1], d.file);
    return absolute + text.slice(d.file.length);
  }
}
