// Printing helpers shared by the commands: user errors without stacks, JSON output.
import { CommanderError } from 'commander';
import { isCambrianError } from '../errors.ts';

export function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // commander has already printed its message (help, version, or a usage error).
    return error.exitCode;
  }
  if (isCambrianError(error)) {
    process.stderr.write(`cambrian: ${error.message}\n`);
    if (error.hint) process.stderr.write(`  hint: ${error.hint}\n`);
    return 2;
  }
  process.stderr.write(`cambrian: internal error (please report it)\n`);
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}
