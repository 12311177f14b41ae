// `cambrian init`: write a commented cambrian.yaml for the repository, asking a few questions
// (goal, files, evaluator, fitness) unless --yes is given or stdin is not a terminal.
import type { Command } from 'commander';
import { defaultAnswers, detectProject, METRIC_NAME, type InitAnswers, type ProjectGuess } from '../config/init.ts';

interface InitFlags {
  repo: string;
  yes?: boolean;
  force?: boolean;
}

export function register(program: Command): void {
  program
    .command('init')
    .description('Write a cambrian.yaml for this repository (and keep .cambrian/ out of git).')
    .option('--repo <dir>', 'repository to initialise', '.')
    .option('-y, --yes', 'accept the detected defaults without asking')
    .option('--force', 'replace an existing cambrian.yaml')
    .action(async (flags: InitFlags) => {
      // The config loader (zod, yaml) loads only when init runs.
      const { ensureConfigAbsent, gitTopLevel, schemaReference, writeInitialConfig } = await import('../config/init-files.ts');
      const repoDir = await gitTopLevel(flags.repo);
      const force = flags.force === true;
      ensureConfigAbsent(repoDir, { force });
      const guess = detectProject(repoDir);
      const defaults = defaultAnswers(guess, schemaReference(repoDir));
      const interactive = flags.yes !== true && process.stdin.isTTY === true;
      const answers = interactive ? await ask(defaults) : defaults;
      if (answers === undefined) {
        process.exitCode = 1;
        return;
      }
      const loaded = await writeInitialConfig(repoDir, answers, { force });
      report(loaded.path, loaded.protect, answers, guess);
    });
}

/** The interactive questions; undefined when the user cancels. */
async function ask(defaults: InitAnswers): Promise<InitAnswers | undefined> {
  const prompts = await import('@clack/prompts');
  prompts.intro('cambrian init');
  const required = (value: string | undefined) => (value?.trim() ? undefined : 'required');
  const goal = await prompts.text({ message: 'What should the evolution achieve?', placeholder: defaults.goal, defaultValue: defaults.goal });
  if (prompts.isCancel(goal)) return cancelled();
  const include = await prompts.text({
    message: 'Which files may be evolved? (globs, comma-separated)',
    initialValue: defaults.include.join(', '),
    validate: required,
  });
  if (prompts.isCancel(include)) return cancelled();
  const command = await prompts.text({
    message: 'Evaluator command (prints a JSON object of metrics on its last line)',
    initialValue: defaults.evaluatorCommand,
    validate: required,
  });
  if (prompts.isCancel(command)) return cancelled();
  const metric = await prompts.text({
    message: 'Fitness metric (a key of that JSON object)',
    initialValue: defaults.metric,
    validate: (value) => (METRIC_NAME.test(value ?? '') ? undefined : 'letters, digits, _ . - (not starting with a digit)'),
  });
  if (prompts.isCancel(metric)) return cancelled();
  const direction = await prompts.select({
    message: `Is a larger or smaller ${metric} better?`,
    options: [
      { value: 'max' as const, label: 'larger (max)' },
      { value: 'min' as const, label: 'smaller (min)' },
    ],
    initialValue: defaults.direction,
  });
  if (prompts.isCancel(direction)) return cancelled();
  return {
    ...defaults,
    goal: goal.trim() || defaults.goal,
    include: include.split(',').map((g) => g.trim()).filter((g) => g !== ''),
    evaluatorCommand: command.trim(),
    metric,
    direction,
  };
}

function cancelled(): undefined {
  process.stderr.write('init cancelled; nothing written\n');
  return undefined;
}

function report(path: string, protect: string[], answers: InitAnswers, guess: ProjectGuess): void {
  const lines = [`wrote ${path}`, `  protected from edits: ${protect.join(', ')}`, '  .cambrian/ is excluded from git (.git/info/exclude)'];
  if (!guess.evaluatorFound && answers.evaluatorCommand === guess.evaluatorCommand) {
    lines.push(
      `note: no evaluator script was found; \`${answers.evaluatorCommand}\` is a guess. The evaluator must print`,
      `  a JSON object such as {"${answers.metric}": 1.0} on the last line of its stdout.`,
    );
  }
  lines.push('next: review the file, commit it, then start a run.');
  process.stdout.write(lines.join('\n') + '\n');
}
