// Runs `cambrian init` as its own process through the real command module (register + commander +
// the CLI's error printing), independent of how src/cli/commands.ts wires the other commands.
import { Command } from 'commander';
import { register } from '../../src/cli/init.ts';
import { reportError } from '../../src/cli/output.ts';

const program = new Command().name('cambrian').exitOverride();
register(program);
try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportError(error);
}
