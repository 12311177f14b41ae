// Every CLI command, in help order. Each file under src/cli/ exports one `register(program)`.
import type { Command } from 'commander';
import { register as init } from './init.ts';
import { register as run } from './run.ts';
import { register as status } from './status.ts';
import { register as best } from './best.ts';
import { register as runs } from './runs.ts';
import { register as report } from './report.ts';
import { register as evaluate } from './eval.ts';
import { register as example } from './example.ts';
import { register as ledger } from './ledger.ts';
import { register as up } from './up.ts';

export type RegisterCommand = (program: Command) => void;

export const ALL_COMMANDS: RegisterCommand[] = [init, run, status, best, runs, report, evaluate, example, ledger, up];
