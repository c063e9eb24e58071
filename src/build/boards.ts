/** The board table (boards.json): capacities and the Zephyr name of each board. */
import boards from './boards.json' with { type: 'json' };

export interface BoardInfo {
  description: string;
  cpu: string;
  /** Bytes of flash. */
  flash: number;
  /** Bytes of RAM. */
  ram: number;
  /** The board's name in Zephyr (west build -b ...). */
  zephyr: string;
}

const TABLE: Record<string, BoardInfo> = boards;

/** The board's entry, or null for a board the table does not know. */
export function boardInfo(board: string): BoardInfo | null {
  return Object.hasOwn(TABLE, board) ? TABLE[board] : null;
}

/** The name Zephyr knows the board by (the board itself when not in the table). */
export function zephyrBoard(board: string): string {
  return boardInfo(board)?.zephyr ?? board;
}

/** A name BOARD can carry to make, CMake and west (Zephyr's own names have `/` qualifiers). */
const BOARD_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.\/-]*$/;

/** Why `board` cannot be used as a board name, or null. Boards outside the table are allowed. */
export function boardNameProblem(board: string): string | null {
  if (BOARD_NAME.test(board) && board.length <= 100) return null;
  const known = Object.keys(TABLE).map((b) => `'${b}'`).join(', ');
  return `expected a board name of letters, digits and _ - . / (the table knows ${known}; others are allowed, with 'flash-size' and 'ram-size' to check sizes)`;
}
