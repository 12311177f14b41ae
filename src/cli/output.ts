// Printing helpers shared by the commands: user errors without stacks, JSON output.
import { CommanderError } from 'commander';
import { isCambrianError } from '../errors.ts';
import { NO_REDACTION, redactError, type Redactor } from '../security/redact.ts';

/** Prints an error for the user, scrubbed of every secret `redactor` knows; returns the exit code. */
export function reportError(error: unknown, redactor: Redactor = NO_REDACTION): number {
  redactError(error, redactor);
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
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : redactor.redact(String(error))}\n`);
  return 1;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}
