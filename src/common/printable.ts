/**
 * Names we did not choose (input files, images, paths, task ids) printed
 * safely. A terminal obeys escape sequences (ESC [ 2 J clears it, a CR
 * overwrites the line), and a GitHub runner obeys any stdout line that starts
 * with `::` (`::error::`, `::add-mask::`, `::stop-commands::`) or, in the old
 * syntax, `##[`. A file named `::error::x`, or one holding a newline followed
 * by that, would otherwise forge an annotation or hide the rest of the log.
 *
 * Escapes are visible and unambiguous enough to read: `\xNN` for a control
 * character, `\u{XXXX}` for an invisible one that reorders or breaks lines,
 * and the second character of a command opener as `\x3a` / `\x23`.
 */

/** C0 controls, DEL, C1 controls; line and paragraph separators; bidirectional overrides and isolates. */
const INVISIBLE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const INVISIBLE_BUT_LINES = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeCharacter(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/** Every `::` and `##[` defused: the runner reads neither as a command, a reader still sees what was there. */
function defuseCommands(text: string): string {
  return text.replace(/::/g, ':\\x3a').replace(/##\[/g, '#\\x23[');
}

/** A name as one harmless line: no control or invisible character, nothing a runner reads as a command. */
export function printable(name: string): string {
  return defuseCommands(name.replace(INVISIBLE, escapeCharacter));
}

/** Control and invisible characters but tab and newline shown as escapes (a UART's garbage stays visible but harmless). */
export function visibleControls(text: string): string {
  return text.replace(INVISIBLE_BUT_LINES, escapeCharacter);
}

/**
 * A message for the terminal: its lines kept (and tabs), every other control
 * character escaped, and a line that would start a workflow command defused.
 * The CLI's logger writes every line through this: its messages are never
 * commands (the action's logger makes those through @actions/core).
 */
export function terminalSafe(text: string): string {
  return visibleControls(text.replace(/\r\n/g, '\n'))
    .split('\n')
    .map((line) => (/^\s*(::|##\[)/.test(line) ? line.replace(/::|##\[/, (opener) => defuseCommands(opener)) : line))
    .join('\n');
}
