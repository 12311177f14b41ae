// The `cambrian` command: builds the commander program from one file per command and turns
// CambrianErrors into a readable message and a non-zero exit (no stack trace for user mistakes).
import { Command } from 'commander';
import { reportError } from './output.ts';

export async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name('cambrian')
    .description('Evolve a git repository toward a goal with a sandboxed evaluator.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  const commands = await import('./commands.ts');
  for (const register of commands.ALL_COMMANDS) register(program);
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    return reportError(error);
  }
}
