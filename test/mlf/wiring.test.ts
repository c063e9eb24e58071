/** 'model' in the configuration: what it turns off, what it sets, and the CLI's generate command's mistakes. */
import { describe, expect, it } from 'vitest';
import { ConfigError, INPUT_DEFAULTS, parseConfig, type InputName } from '../../src/config.js';
import { FlagError } from '../../src/cli-flags.js';
import { memoryLogger } from '../../src/log.js';
import { generateCommand } from '../../src/mlf/command.js';

const config = (given: Partial<Record<InputName, string>>) => parseConfig((name) => given[name] ?? INPUT_DEFAULTS[name]);

describe("input 'model'", () => {
  it('sets the exit line to #exit unless one is given', () => {
    expect(config({ inputs: 'in/*.txt', model: 'model.tar' }).run.exitLine).toBe('#exit');
    expect(config({ inputs: 'in/*.txt', model: 'model.tar', 'exit-line': 'quit' }).run.exitLine).toBe('quit');
    expect(config({ inputs: 'in/*.txt' }).run.exitLine).toBe('');
    expect(config({ inputs: 'in/*.txt', model: ' model.tar ' }).model).toBe('model.tar');
  });

  it.each([
    ['project-dir', 'model/project'],
    ['build-system', 'make'],
    ['build-command', 'make all'],
    ['image', 'build/*.elf'],
  ] as const)("says that '%s' does not apply with it", (input, value) => {
    let error: unknown = null;
    try {
      config({ inputs: 'in/*.txt', model: 'model.tar', [input]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).input).toBe(input);
    expect((error as Error).message).toContain(`'${input}' does not apply with 'model'`);
  });

  it('names every input that does not apply', () => {
    expect(() => config({ inputs: 'x', model: 'm.tar', 'project-dir': 'p', 'build-system': 'cmake' })).toThrow(/Inputs 'project-dir', 'build-system' do not apply/);
  });
});

describe('allhw generate', () => {
  it('wants --model and --out, and a known board', async () => {
    const log = memoryLogger();
    await expect(generateCommand(['--out', 'x'], log)).rejects.toThrow(FlagError);
    await expect(generateCommand(['--model', 'm.tar'], log)).rejects.toThrow(/--out DIR is required/);
    await expect(generateCommand(['--model', 'm.tar', '--out', 'x', '--board', 'nucleo'], log)).rejects.toThrow(/known boards are 'f746_disco', 'mps2_an500'/);
  });

  it('a bad tarball: exit 1 and the reason', async () => {
    const log = memoryLogger();
    expect(await generateCommand(['--model', '/nonexistent/model.tar', '--out', '/tmp/never-written'], log)).toBe(1);
    expect(log.lines.join('\n')).toMatch(/^error: The model file .* does not exist/m);
  });
});
