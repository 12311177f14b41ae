// Set-up shared by the LLM and agent operator tests: a real temp git repo read through the real
// GitRepo, a ProposeContext over it, and a real LlmRouter talking HTTP to the scripted LLM server.
import { llmSchema } from '../../../src/config/schema.ts';
import { Rng } from '../../../src/core/rng.ts';
import type { IndividualView } from '../../../src/core/types.ts';
import { gitFileReader } from '../../../src/evolution/file-reader.ts';
import { GitRepo } from '../../../src/git/plumbing.ts';
import { LlmBudget } from '../../../src/llm/budget.ts';
import { LlmRouter, type LlmCallRecord } from '../../../src/llm/router.ts';
import type { FailureNote, ProposeContext } from '../../../src/operators/port.ts';
import type { EvolveScope } from '../../../src/operators/scope.ts';
import { startLlmServer, type LlmScript, type LlmServer } from '../../support/llm-server.ts';
import { createTempRepo, type TempRepo } from '../../support/temp-repo.ts';

export const SCOPE: EvolveScope = {
  include: ['src/**'],
  exclude: [],
  protect: ['evaluate.js', 'cambrian.yaml'],
  limits: { maxFiles: 5, maxChangedLines: 100 },
};

export const PACK_JS = [
  "import { helper } from './util.js';",
  '',
  '// EVOLVE-BLOCK-START',
  'export function radius(n) {',
  '  const base = 0.1;',
  '  return base / Math.sqrt(n);',
  '}',
  '// EVOLVE-BLOCK-END',
  '',
  'export const name = helper();',
  '',
].join('\n');

export const SEED_FILES: Record<string, string> = {
  'src/pack.js': PACK_JS,
  'src/util.js': "export function helper() {\n  return 'pack';\n}\n",
  'evaluate.js': 'console.log(JSON.stringify({ score: 1 }));\n',
  'cambrian.yaml': 'goal: pack circles\n',
};

export function view(id: string, commit: string, fitness: number | null, extra: Partial<IndividualView> = {}): IndividualView {
  return {
    id,
    commit,
    tree: '',
    parentId: null,
    generation: 0,
    island: 0,
    operator: 'seed',
    fitness,
    metrics: fitness === null ? {} : { score: fitness },
    meta: {},
    ...extra,
  };
}

export interface Fixture {
  repo: TempRepo;
  git: GitRepo;
  server: LlmServer;
  router: LlmRouter;
  calls: LlmCallRecord[];
  context(overrides?: Partial<ProposeContext>): ProposeContext;
  close(): Promise<void>;
}

/** A repo with SEED_FILES committed, plus an LLM server following `script`. */
export async function createFixture(script: LlmScript = []): Promise<Fixture> {
  const repo = await createTempRepo(SEED_FILES);
  const git = new GitRepo(repo.dir);
  const server = await startLlmServer(script);
  const calls: LlmCallRecord[] = [];
  const router = new LlmRouter({
    config: llmSchema.parse({
      models: [{ name: 'scripted', provider: 'openai', model: 'scripted-1', baseUrl: `${server.url}/v1`, apiKeyEnv: 'TEST_KEY', stream: false }],
      retries: 0,
    }),
    env: { TEST_KEY: 'sk-test' },
    budget: new LlmBudget(),
    rng: Rng.fromSeed(1),
    onCall: (record) => {
      calls.push(record);
    },
  });
  const files = gitFileReader(git);
  return {
    repo,
    git,
    server,
    router,
    calls,
    context: (overrides = {}) => ({
      runId: 'run-1',
      jobId: 'job-1',
      goal: 'Pack circles into the unit square with the largest sum of radii.',
      baseCommit: repo.head,
      parent: view('seed', repo.head, 0.5),
      inspirations: [],
      lineage: [],
      recentFailures: [] as FailureNote[],
      scope: SCOPE,
      files,
      fitnessDirection: 'max',
      rng: Rng.fromSeed(42),
      signal: new AbortController().signal,
      costs: { addLlmCall: () => {} },
      ...overrides,
    }),
    close: async () => {
      await server.close();
      await git.close();
      await repo.cleanup();
    },
  };
}

/** The user message of a recorded chat completions request, concatenated. */
export function promptOf(server: LlmServer, index: number): string {
  const body = server.requests[index]?.body as { messages: Array<{ role: string; content: string }> };
  return body.messages.map((m) => `[${m.role}]\n${m.content}`).join('\n');
}

export function searchReplace(path: string, search: string, replace: string, subject?: string): string {
  return `${subject ? `Subject: ${subject}\n\n` : ''}${path}\n\`\`\`js\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n\`\`\`\n`;
}
