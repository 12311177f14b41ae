// The 'numeric' operator: mutates a few numeric literals of the parent's evolvable files with
// self-adaptive step sizes (an evolution strategy over the constants in the code, no LLM needed).
import type { FileChange } from '../../core/types.ts';
import type { Rng } from '../../core/rng.ts';
import type { Operator, ProposeContext, Proposal } from '../port.ts';
import { evolvableFiles } from '../scope.ts';
import { findNumericLiterals, type NumericLiteral } from './literals.ts';
import { mutateLiteral, spliceText } from './mutate.ts';

export interface NumericOperatorOptions {
  /** Most literals changed in one child (the count is 1 + a geometric draw, capped here). */
  maxLiterals?: number;
  /** Relative step size of a literal the lineage has not mutated before. */
  initialSigma?: number;
}

/** Step sizes a child carries, keyed `"<path>#<index of the literal among the file's editable literals>"`. */
export type NumericSigma = Record<string, number>;

/** Files larger than this are not scanned (generated or data files, not tunable code). */
const MAX_FILE_CHARS = 512 * 1024;

interface Candidate {
  path: string;
  index: number;
  literal: NumericLiteral;
}

export function createNumericOperator(options: NumericOperatorOptions = {}): Operator {
  const maxLiterals = Math.max(1, Math.floor(options.maxLiterals ?? 4));
  const initialSigma = options.initialSigma ?? 0.1;
  if (!(initialSigma > 0)) throw new Error(`numeric operator: initialSigma must be > 0, got ${initialSigma}`);

  return {
    name: 'numeric',
    async propose(ctx: ProposeContext): Promise<Proposal> {
      const contents = new Map<string, string>();
      const candidates: Candidate[] = [];
      for (const path of evolvableFiles(ctx.scope, await ctx.files.listFiles(ctx.parent.commit))) {
        ctx.signal.throwIfAborted();
        const content = await ctx.files.readFile(ctx.parent.commit, path);
        if (content === null || content.length > MAX_FILE_CHARS) continue;
        contents.set(path, content);
        (await findNumericLiterals(path, content)).forEach((literal, index) => candidates.push({ path, index, literal }));
      }
      if (candidates.length === 0) {
        return { kind: 'rejected', reason: 'no numeric literal to mutate in the evolvable files (or their EVOLVE blocks)' };
      }

      const sigmas: NumericSigma = { ...readSigmas(ctx.parent.meta['numericSigma']) };
      const edits = new Map<string, Array<{ literal: NumericLiteral; text: string }>>();
      let mutated = 0;
      for (const c of sampleWithoutReplacement(ctx.rng, candidates, literalCount(ctx.rng, maxLiterals))) {
        const key = `${c.path}#${c.index}`;
        const mutation = mutateLiteral(c.literal, sigmas[key] ?? initialSigma, ctx.rng);
        if (mutation === null) continue;
        sigmas[key] = mutation.sigma;
        const text = spliceText(contents.get(c.path)!, c.literal, mutation.text);
        edits.set(c.path, [...(edits.get(c.path) ?? []), { literal: c.literal, text }]);
        mutated++;
      }
      if (mutated === 0) return { kind: 'rejected', reason: 'numeric: no literal could be moved to a distinct value' };

      const changes: FileChange[] = [...edits].map(([path, fileEdits]) => ({
        path,
        content: applyEdits(contents.get(path)!, fileEdits),
      }));
      const where = changes.length === 1 ? changes[0]!.path : `${changes.length} files`;
      const description = `numeric: ${mutated} literal${mutated === 1 ? '' : 's'} in ${where}`;
      return {
        kind: 'changes',
        changes,
        description: description.length <= 72 ? description : `${description.slice(0, 71)}…`,
        meta: { numericSigma: sigmas },
      };
    },
  };
}

/** 1 + Geometric(½), capped: mostly single-literal steps, sometimes a coordinated jump. */
function literalCount(rng: Rng, max: number): number {
  let k = 1;
  while (k < max && rng.next() < 0.5) k++;
  return k;
}

function sampleWithoutReplacement<T>(rng: Rng, items: readonly T[], k: number): T[] {
  const pool = items.slice();
  const n = Math.min(k, pool.length);
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(pool.length - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, n);
}

/** The parent's step sizes, ignoring anything malformed (meta is free-form JSON from the store). */
export function readSigmas(raw: unknown): NumericSigma {
  const out: NumericSigma = {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return out;
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) out[key] = value;
  }
  return out;
}

/** Replace literal spans, last first so earlier offsets stay valid. */
export function applyEdits(content: string, edits: ReadonlyArray<{ literal: NumericLiteral; text: string }>): string {
  let out = content;
  for (const e of [...edits].sort((a, b) => b.literal.start - a.literal.start)) {
    out = out.slice(0, e.literal.start) + e.text + out.slice(e.literal.end);
  }
  return out;
}
