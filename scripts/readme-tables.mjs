// Prints the README's inputs and outputs tables from action.yml (a test checks they match).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const action = parse(readFileSync(new URL('../action.yml', import.meta.url), 'utf8'));
const cell = (s) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
let out = '<!-- inputs:start -->\n| input | default | description |\n| --- | --- | --- |\n';
for (const [name, v] of Object.entries(action.inputs)) {
  const def = v.required ? '(required)' : v.default === '' ? '' : `\`${v.default}\``;
  out += `| \`${name}\` | ${def} | ${cell(v.description)} |\n`;
}
out += '<!-- inputs:end -->\n\n## Outputs\n\n<!-- outputs:start -->\n| output | description |\n| --- | --- |\n';
for (const [name, v] of Object.entries(action.outputs)) out += `| \`${name}\` | ${cell(v.description)} |\n`;
out += '<!-- outputs:end -->';
process.stdout.write(out + '\n');
