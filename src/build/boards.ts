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
  /**
   * GCC flags for the board's CPU, for boards with a firmware layer
   * (firmware/boards/<board>/); the same as ALLHW_CPU_FLAGS in
   * firmware/boards/boards.cmake (test/firmware/boards.test.ts checks).
   */
  cpuFlags?: string[];
}

const TABLE: Record<string, BoardInfo> = boards;

/** The board's entry, or null for a board the table does not know. */
export function boardInfo(board: string): BoardInfo | null {
  return Object.hasOwn(TABLE, board) ? (TABLE[board] ?? null) : null;
}

/** The name Zephyr knows the board by (the board itself when not in the table). */
export function zephyrBoard(board: string): string {
  return boardInfo(board)?.zephyr ?? board;
}
