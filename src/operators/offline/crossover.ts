// The 'crossover' operator: combines the parent with one inspiration. Files are 3-way merged against
// the pair's common ancestor; where both sides tuned the same lines of an identical skeleton, each
// numeric literal is taken from either parent instead (uniform crossover). Conflicts are rejected.
import type { FileChange, IndividualView } from '../../core/types.ts';
import type { Rng } from '../../core/rng.ts';
import type { FileReader, Operator, ProposeContext, Proposal } from '../port.ts';
import { evolvableFiles } from '../scope.ts';
import { findNumericLiterals, type NumericLiteral } from './literals.ts';
import { applyEdits, readSigmas, type NumericSigma } from './numeric.ts';

type Strategy = '3-way' | 'literal-uniform' | 'add' | 'delete';

export type FileOutcome =
  | { kind: 'same' }
  | { kind: 'merged'; content: string | null; strategy: Strategy; fromOther: number[] }
  | { kind: 'conflict' };

export function createCrossoverOperator(): Operator {
  return {
    name: 'crossover',
    needsInspirations: true,
    async propose(ctx: ProposeContext): Promise<Proposal> {
      const mates = ctx.inspirations.filter((i) => i.id !== ctx.parent.id && i.commit !== ctx.parent.commit);
      if (mates.length === 0) return { kind: 'rejected', reason: 'crossover needs an inspiration that differs from the parent' };
      const other = ctx.rng.pick(mates);
      const ours = ctx.parent.commit;
      const theirs = other.commit;
      const base = (await ctx.files.mergeBase(ours, theirs)) ?? ctx.baseCommit;

      const [oursPaths, theirsPaths] = await Promise.all([ctx.files.listFiles(ours), ctx.files.listFiles(theirs)]);
      const paths = evolvableFiles(ctx.scope, [...new Set([...oursPaths, ...theirsPaths])]);

      const changes: FileChange[] = [];
      const strategies = new Set<Strategy>();
      const sigmas: NumericSigma = { ...readSigmas(ctx.parent.meta['numericSigma']) };
      const otherSigmas = readSigmas(other.meta['numericSigma']);
      let reproducesOther = true;
      for (const path of paths) {
        ctx.signal.throwIfAborted();
        const [a, b, o] = await Promise.all([
          ctx.files.readFile(ours, path),
          ctx.files.readFile(theirs, path),
          ctx.files.readFile(base, path),
        ]);
        const outcome = await crossFile(ctx.files, ctx.rng, path, o, a, b);
        if (outcome.kind === 'same') continue;
        if (outcome.kind === 'conflict') {
          return { kind: 'rejected', reason: `merge conflict in ${path} (with ${other.id})` };
        }
        if (outcome.content !== b) reproducesOther = false;
        if (outcome.content === a) continue;
        changes.push({ path, content: outcome.content });
        strategies.add(outcome.strategy);
        for (const index of outcome.fromOther) {
          const sigma = otherSigmas[`${path}#${index}`];
          if (sigma !== undefined) sigmas[`${path}#${index}`] = sigma;
        }
      }

      if (changes.length === 0) return { kind: 'rejected', reason: 'crossover produced no change' };
      if (reproducesOther) return { kind: 'rejected', reason: `crossover reproduced ${other.id} unchanged` };
      return {
        kind: 'changes',
        changes,
        description: describe(changes, [...strategies].sort(), other),
        meta: { numericSigma: sigmas },
        alsoParentId: other.id,
      };
    },
  };
}

/** Cross one file of ours (a) and theirs (b) over their common ancestor's version (o). */
async function crossFile(
  files: FileReader,
  rng: Rng,
  path: string,
  o: string | null,
  a: string | null,
  b: string | null,
): Promise<FileOutcome> {
  if (a === b) return { kind: 'same' };
  if (a === null || b === null) return crossPresence(o, a, b);
  const merged = await files.mergeFile(o ?? '', a, b);
  if (!merged.conflicts) return { kind: 'merged', content: merged.content, strategy: '3-way', fromOther: [] };
  const uniform = await literalUniform(path, a, b, rng);
  return uniform ?? { kind: 'conflict' };
}

/** A file present on one side only: keep an addition, follow a clean deletion, reject modify/delete. */
function crossPresence(o: string | null, a: string | null, b: string | null): FileOutcome {
  if (a === null) {
    if (o === null) return { kind: 'merged', content: b, strategy: 'add', fromOther: [] };
    return b === o ? { kind: 'same' } : { kind: 'conflict' };
  }
  if (o === null) return { kind: 'same' };
  return a === o ? { kind: 'merged', content: null, strategy: 'delete', fromOther: [] } : { kind: 'conflict' };
}

/**
 * Uniform crossover over numeric literals, for two files that are identical once their editable
 * literals are masked. Each differing literal comes from either side with probability ½; at
 * least one comes from each side, so the child is neither parent. Null when the skeletons differ
 * or only one literal differs (no new combination exists).
 */
export async function literalUniform(path: string, a: string, b: string, rng: Rng): Promise<FileOutcome | null> {
  const [la, lb] = await Promise.all([findNumericLiterals(path, a), findNumericLiterals(path, b)]);
  if (la.length !== lb.length || maskLiterals(a, la) !== maskLiterals(b, lb)) return null;
  const differing = la.flatMap((l, i) => (l.text !== lb[i]!.text ? [i] : []));
  if (differing.length < 2) return null;
  const takeOther = new Set(differing.filter(() => rng.next() < 0.5));
  if (takeOther.size === 0) takeOther.add(rng.pick(differing));
  if (takeOther.size === differing.length) takeOther.delete(rng.pick(differing));
  const edits = [...takeOther].map((i) => ({ literal: la[i]!, text: lb[i]!.text }));
  return { kind: 'merged', content: applyEdits(a, edits), strategy: 'literal-uniform', fromOther: [...takeOther].sort((x, y) => x - y) };
}

/** The text with every literal replaced by a marker: equal skeletons differ only in literals. */
export function maskLiterals(content: string, literals: readonly NumericLiteral[]): string {
  let out = '';
  let cursor = 0;
  for (const l of literals) {
    out += content.slice(cursor, l.start) + '\u0000';
    cursor = l.end;
  }
  return out + content.slice(cursor);
}

function describe(changes: FileChange[], strategies: Strategy[], other: IndividualView): string {
  const where = changes.length === 1 ? changes[0]!.path : `${changes.length} files`;
  const text = `crossover (${strategies.join('+')}): ${where} with ${other.id.slice(0, 8)}`;
  return text.length <= 72 ? text : `${text.slice(0, 71)}…`;
}
