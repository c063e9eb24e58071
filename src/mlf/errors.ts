/**
 * Why an MLF tarball cannot become a project. Each kind has its own message,
 * which says what is supported and how to recompile; none quotes the
 * tarball's content (names of files and of the module only).
 */
export type MlfErrorKind =
  | 'unreadable'
  | 'unsafe'
  | 'no-metadata'
  | 'bad-metadata'
  | 'version'
  | 'executor'
  | 'target'
  | 'header'
  | 'dtype'
  | 'entry-point'
  | 'too-big'
  | 'board'
  | 'project-dir';

/** The tvmc command line that writes a tarball this generator takes. */
export const RECOMPILE =
  "tvmc compile --target='c -mcpu=cortex-m7' --executor=aot --executor-aot-interface-api=c " +
  '--executor-aot-unpacked-api=1 --runtime=crt --output-format=mlf --output=model.tar <model file>';

export const SUPPORTED =
  'allhw-ci takes Model Library Format tarballs (metadata.json versions 5, 6 and 7) written by microTVM for the AOT executor, ' +
  "the C runtime and a Cortex-M 'c' target";

export class MlfError extends Error {
  override name = 'MlfError';
  readonly kind: MlfErrorKind;
  constructor(kind: MlfErrorKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

/** An error that ends with what is supported and how to recompile. */
export function recompileError(kind: MlfErrorKind, what: string): MlfError {
  return new MlfError(kind, `${what} ${SUPPORTED}. Recompile the model with: ${RECOMPILE}`);
}

/** A name taken from the tarball, shown only when it is short and plain (never raw file content). */
export function shown(name: string): string {
  return /^[\w.:+/-]{1,64}$/.test(name) ? `'${name}'` : '(a name not shown)';
}
