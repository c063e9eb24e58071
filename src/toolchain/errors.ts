/** Every failure of the toolchain stage: the message says what went wrong and how to fix it. */
export class ToolchainError extends Error {
  override name = 'ToolchainError';
}
