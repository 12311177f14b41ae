// The `cambrian` command: builds the commander program from one file per command and turns
// CambrianErrors into a readable message and a non-zero exit (no stack trace for user mistakes).
import { Command } from 'commander';
import { reportError } from './output.ts';
import { createRedactor } from '../security/redact.ts';

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
    // Errors from inside a command were already scrubbed with the config's keys (withApp); this
    // catches the rest with what the environment alone names as secrets.
    return reportError(error, createRedactor({ env: process.env, databaseUrl: process.env['CAMBRIAN_DATABASE_URL'] }));
  }
}
