// Every CLI command, in help order. Each file under src/cli/ exports one `register(program)`.
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

export const ALL_COMMANDS: RegisterCommand[] = [];
