/**
 * A Zephyr build that fails because Zephyr has no board by the name it was
 * given. Zephyr says so in one line ("No board named 'x' found", then a list
 * of hundreds of boards that fills the tail), so the line is caught as it
 * passes and the error says what to do instead. For the emulated board the
 * way out is `model:`: allhw-ci then builds its own firmware for the board
 * QEMU runs, rather than the project's Zephyr application.
 */
import { EMULATOR_BOARD } from '../config.js';

const NO_BOARD = /No board named '([^']+)' found/;

/** Watches a Zephyr build's lines; after a failure, explains a board Zephyr does not know (or null). */
export class ZephyrBoardWatch {
  private missing: string | null = null;

  line(text: string): void {
    this.missing ??= NO_BOARD.exec(text)?.[1] ?? null;
  }

  explain(board: string, logPath: string): string | null {
    if (this.missing === null) return null;
    const said = `Zephyr has no board named '${this.missing}' (the board allhw-ci maps '${board}' to); the build log is ${logPath}.`;
    if (board === EMULATOR_BOARD) {
      return (
        `${said} Emulator mode runs the image on QEMU's mps2-an500 machine (a Cortex-M7 MPS2 AN500), and this Zephyr has no board QEMU can run ` +
        `for it (Zephyr 3.7 and newer call it mps2/an500; older Zephyr has no MPS2 AN500 board). ` +
        `Give 'model:' (the model's Model Library Format tarball) so that allhw-ci builds its own firmware for the emulated board, ` +
        `or run on All-HW's real boards (set 'ci-api-key').`
      );
    }
    return `${said} Set 'board' to a board of allhw-ci's table whose Zephyr name this Zephyr knows, or build with 'build-system: command' and your own 'build-command'.`;
  }
}
