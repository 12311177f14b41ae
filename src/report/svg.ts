// Small dependency-free SVG plots for reports: step lines of best-so-far fitness, the archive map
// as a heat grid per island, and the lineage of the best individual.

export interface Series {
  label: string;
  color: string;
  points: Array<[number, number]>;
}

const FONT = 'font-family="sans-serif" font-size="11"';

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(5)));
}

/** Step chart of several series sharing axes (x = evaluation number, y = best fitness so far). */
export function lineChart(series: Series[], options: { title: string; xLabel: string; yLabel: string; xMax?: number }): string {
  const width = 640;
  const height = 320;
  const m = { left: 64, right: 16, top: 28, bottom: 44 };
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return emptyPlot(options.title, width, height);
  const xMin = Math.min(...all.map((p) => p[0]));
  const xMax = Math.max(...all.map((p) => p[0]), xMin + 1, options.xMax ?? 0);
  let yMin = Math.min(...all.map((p) => p[1]));
  let yMax = Math.max(...all.map((p) => p[1]));
  if (yMin === yMax) {
    yMin -= 1;
    yMax += 1;
  }
  const sx = (x: number): number => m.left + ((x - xMin) / (xMax - xMin)) * (width - m.left - m.right);
  const sy = (y: number): number => height - m.bottom - ((y - yMin) / (yMax - yMin)) * (height - m.top - m.bottom);
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const y = yMin + ((yMax - yMin) * i) / 4;
    parts.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${sy(y)}" y2="${sy(y)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.left - 6}" y="${sy(y) + 4}" text-anchor="end" ${FONT}>${fmt(y)}</text>`);
    const x = xMin + ((xMax - xMin) * i) / 4;
    parts.push(`<text x="${sx(x)}" y="${height - m.bottom + 16}" text-anchor="middle" ${FONT}>${fmt(Math.round(x))}</text>`);
  }
  series.forEach((s, index) => {
    if (s.points.length === 0) return;
    let d = `M${sx(s.points[0]![0])},${sy(s.points[0]![1])}`;
    for (let i = 1; i < s.points.length; i++) {
      d += ` H${sx(s.points[i]![0])} V${sy(s.points[i]![1])}`;
    }
    d += ` H${sx(xMax)}`;
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    parts.push(`<rect x="${m.left + 8}" y="${m.top + 6 + index * 16}" width="10" height="10" fill="${s.color}"/>`);
    parts.push(`<text x="${m.left + 22}" y="${m.top + 15 + index * 16}" ${FONT}>${esc(s.label)}</text>`);
  });
  parts.push(`<text x="${width / 2}" y="${height - 8}" text-anchor="middle" ${FONT}>${esc(options.xLabel)}</text>`);
  parts.push(`<text x="14" y="${height / 2}" text-anchor="middle" transform="rotate(-90 14 ${height / 2})" ${FONT}>${esc(options.yLabel)}</text>`);
  return svg(width, height, options.title, parts);
}

/** Heat grid per island: cell colour = elite fitness (darker = better), using the first two dims. */
export function archiveMap(
  cells: Array<{ island: number; coords: number[]; fitness: number }>,
  options: { islands: number; bins: number; direction: 'min' | 'max'; title: string },
): string {
  const cell = Math.max(6, Math.floor(140 / options.bins));
  const grid = cell * options.bins;
  const gap = 24;
  const width = Math.max(1, options.islands) * (grid + gap) + gap;
  const height = grid + 60;
  if (cells.length === 0) return emptyPlot(options.title, width, height);
  const values = cells.map((c) => c.fitness);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const quality = (f: number): number => (hi === lo ? 1 : options.direction === 'max' ? (f - lo) / (hi - lo) : (hi - f) / (hi - lo));
  const parts: string[] = [];
  for (let island = 0; island < options.islands; island++) {
    const x0 = gap + island * (grid + gap);
    parts.push(`<rect x="${x0}" y="30" width="${grid}" height="${grid}" fill="#fafafa" stroke="#ccc"/>`);
    parts.push(`<text x="${x0 + grid / 2}" y="${grid + 48}" text-anchor="middle" ${FONT}>island ${island}</text>`);
    for (const c of cells.filter((e) => e.island === island)) {
      const bx = Math.min(options.bins - 1, Math.floor((c.coords[0] ?? 0) * options.bins));
      const by = Math.min(options.bins - 1, Math.floor((c.coords[1] ?? 0) * options.bins));
      const q = quality(c.fitness);
      const shade = Math.round(230 - q * 190);
      parts.push(
        `<rect x="${x0 + bx * cell}" y="${30 + grid - (by + 1) * cell}" width="${cell}" height="${cell}" fill="rgb(${shade},${Math.round(shade * 0.9)},255)"><title>${fmt(c.fitness)}</title></rect>`,
      );
    }
  }
  return svg(width, height, options.title, parts);
}

/** The best individual's ancestry, seed first: one row per generation with a fitness bar. */
export function lineageChart(nodes: Array<{ id: string; operator: string; fitness: number | null }>, title: string): string {
  const row = 20;
  const width = 640;
  const height = 40 + nodes.length * row;
  const values = nodes.map((n) => n.fitness).filter((f): f is number => f !== null);
  // Bars start a little below the worst value so that small improvements stay visible.
  const min = values.length > 0 ? Math.min(...values) : 0;
  const hi = values.length > 0 ? Math.max(...values) : 1;
  const lo = hi > min ? min - (hi - min) * 0.15 : min - 1;
  const parts: string[] = [];
  nodes.forEach((n, i) => {
    const y = 30 + i * row;
    const barWidth = n.fitness === null ? 0 : ((n.fitness - lo) / (hi - lo)) * 300;
    parts.push(`<text x="8" y="${y + 13}" ${FONT}>${esc(n.id)} · ${esc(n.operator)}</text>`);
    parts.push(`<rect x="220" y="${y + 3}" width="${barWidth}" height="12" fill="#6a8fd8"/>`);
    parts.push(`<text x="${226 + barWidth}" y="${y + 13}" ${FONT}>${n.fitness === null ? '—' : fmt(n.fitness)}</text>`);
  });
  return svg(width, height, title, parts);
}

function emptyPlot(title: string, width: number, height: number): string {
  return svg(width, height, title, [`<text x="${width / 2}" y="${height / 2}" text-anchor="middle" ${FONT}>no data yet</text>`]);
}

function svg(width: number, height: number, title: string, parts: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-family="sans-serif" font-size="13" font-weight="bold">${esc(title)}</text>`,
    ...parts,
    '</svg>',
  ].join('\n');
}
