/**
 * The gcc problem matchers (matchers/gcc.json): registered while the build
 * runs inside GitHub Actions so compiler, assembler and linker errors and
 * warnings become annotations on the PR's lines. The lines the runner reads
 * are the ones we log, with colour codes stripped (a build may force colour).
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
  file?: number;
  line?: number;
  column?: number;
  severity?: number;
  message: number;
}

export interface MatcherFile {
  problemMatcher: { owner: string; severity?: string; pattern: MatcherPattern[] }[];
}

export interface Diagnostic {
  /** Null for a message with no source location (a linker region overflow). */
  file: string | null;
  line: number | null;
  column: number | null;
  severity: string;
  message: string;
}

interface LoadedMatcher {
  owner: string;
  severity: string;
  pattern: MatcherPattern;
  regexp: RegExp;
}

let loaded: LoadedMatcher[] | null = null;

/** The matchers of the shipped file, in its order (the runner tries them in that order too). */
function matchers(): LoadedMatcher[] {
  if (!loaded) {
    const json = JSON.parse(readFileSync(gccMatcherFile(), 'utf8')) as MatcherFile;
    loaded = json.problemMatcher.map((m) => {
      const [pattern] = m.pattern;
      if (!pattern) throw new Error(`The shipped problem matcher '${m.owner}' has no pattern`);
      return { owner: m.owner, severity: m.severity ?? 'error', pattern, regexp: new RegExp(pattern.regexp) };
    });
  }
  return loaded;
}

/** The workflow command that turns the matchers on (one file, all of them). */
export function addMatcherCommand(): string {
  return `::add-matcher::${gccMatcherFile()}`;
}

/** The workflow commands that turn them off again, one per owner. */
export function removeMatcherCommands(): string[] {
  return matchers().map((m) => `::remove-matcher owner=${m.owner}::`);
}

const group = (m: RegExpExecArray, index: number | undefined): string | undefined => (index === undefined ? undefined : m[index]);

/** Applies the shipped matchers to one line as the runner would: the first that matches wins. */
export function matchDiagnostic(line: string): Diagnostic | null {
  for (const { pattern, regexp, severity } of matchers()) {
    const m = regexp.exec(line);
    if (!m) continue;
    const lineNo = group(m, pattern.line);
    const column = group(m, pattern.column);
    return {
      file: group(m, pattern.file) ?? null,
      line: lineNo ? Number(lineNo) : null,
      column: column ? Number(column) : null,
      severity: (group(m, pattern.severity) ?? severity).toLowerCase(),
      message: m[pattern.message] ?? '',
    };
  }
  return null;
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
      const [, verb, where = ''] = dir;
      if (verb === 'Entering') this.dirs.push(where);
      else if (this.dirs.length > 1) this.dirs.pop();
      return text;
    }
    const d = matchDiagnostic(text);
    // Only a file name the line starts with is rewritten (a linker line may start with ld's own path).
    if (!d?.file || path.isAbsolute(d.file) || !text.startsWith(d.file)) return text;
    const absolute = path.resolve(this.dirs.at(-1) ?? '', d.file);
    return absolute + text.slice(d.file.length);
  }
}
