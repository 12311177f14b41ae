// Aligns freshly fitted PCA components with the previous fit so that refits do not flip or rotate
// the descriptor axes (which would reshuffle every cell). PCA only determines components up to sign,
// and up to a rotation among components of near-equal variance; both ambiguities are resolved here.

/** Below this smallest singular value of the overlap matrix the subspace itself has moved, and a
 *  rotation towards the old axes would be arbitrary: only order and signs are aligned then. */
const MIN_SUBSPACE_OVERLAP = 0.5;

export function alignComponents(components: number[][], previous: number[][] | null): number[][] {
  if (previous === null || previous.length !== components.length || previous[0]?.length !== components[0]?.length) {
    return components.map((c) => orientSign(c, undefined));
  }
  const rotated = procrustes(components, previous);
  const ordered = rotated ?? matchOrder(components, previous);
  return ordered.map((c, i) => orientSign(c, previous[i]));
}

/**
 * The orthogonal combination of the new components closest to the previous ones (orthogonal
 * Procrustes): R = M (MᵀM)^(-1/2) with M = Vᵀ P. The result spans the same subspace as the new
 * components, so the descriptor still captures the new principal variation.
 */
function procrustes(components: number[][], previous: number[][]): number[][] | null {
  const k = components.length;
  const m = components.map((v) => previous.map((p) => dot(v, p))); // m[j][i] = v_j · p_i
  const mtm = Array.from({ length: k }, (_, a) => Array.from({ length: k }, (_, b) => m.reduce((s, row) => s + row[a]! * row[b]!, 0)));
  const { values, vectors } = symmetricEigen(mtm);
  if (Math.min(...values) < MIN_SUBSPACE_OVERLAP ** 2) return null;
  // (MᵀM)^(-1/2) = W Λ^(-1/2) Wᵀ, then R = M (MᵀM)^(-1/2).
  const inverseRoot = Array.from({ length: k }, (_, a) =>
    Array.from({ length: k }, (_, b) => values.reduce((s, lambda, e) => s + (vectors[a]![e]! * vectors[b]![e]!) / Math.sqrt(lambda), 0)),
  );
  const r = m.map((row) => inverseRoot[0]!.map((_, b) => row.reduce((s, value, a) => s + value * inverseRoot[a]![b]!, 0)));
  const d = components[0]!.length;
  return Array.from({ length: k }, (_, i) => {
    const out = new Array<number>(d).fill(0);
    for (let j = 0; j < k; j++) for (let x = 0; x < d; x++) out[x]! += components[j]![x]! * r[j]![i]!;
    return out;
  });
}

/** Greedily pairs each previous component with the unused new one it overlaps most (|cosine|). */
function matchOrder(components: number[][], previous: number[][]): number[][] {
  const pairs: Array<{ from: number; to: number; overlap: number }> = [];
  for (let to = 0; to < previous.length; to++)
    for (let from = 0; from < components.length; from++)
      pairs.push({ from, to, overlap: Math.abs(dot(components[from]!, previous[to]!)) });
  pairs.sort((a, b) => b.overlap - a.overlap || a.to - b.to || a.from - b.from);
  const ordered: number[][] = new Array(previous.length);
  const usedFrom = new Set<number>();
  for (const { from, to } of pairs) {
    if (ordered[to] !== undefined || usedFrom.has(from)) continue;
    ordered[to] = components[from]!;
    usedFrom.add(from);
  }
  return ordered;
}

/** Points the component the same way as its predecessor; without one, makes its largest loading positive. */
function orientSign(component: number[], previous: number[] | undefined): number[] {
  const alignment = previous ? dot(component, previous) : 0;
  let flip: boolean;
  if (alignment !== 0) flip = alignment < 0;
  else {
    let largest = 0;
    for (let i = 1; i < component.length; i++) if (Math.abs(component[i]!) > Math.abs(component[largest]!)) largest = i;
    flip = component[largest]! < 0;
  }
  return flip ? component.map((v) => -v) : component;
}

/** Cyclic Jacobi eigen-decomposition of a small symmetric matrix; `vectors[row][e]` is eigenvector e. */
function symmetricEigen(matrix: number[][]): { values: number[]; vectors: number[][] } {
  const n = matrix.length;
  const a = matrix.map((row) => row.slice());
  const v: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p]![q]! ** 2;
    if (off < 1e-24) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (a[p]![q] === 0) continue;
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * a[p]![q]!);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p]!, akq = a[k]![q]!;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k]!, aqk = a[q]![k]!;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k]![p]!, vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: a.map((row, i) => row[i]!), vectors: v };
}

function dot(a: number[], b: number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
