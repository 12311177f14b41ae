// Statement census of the LLM loop: every PGlite call the engine makes (inside transactions too),
// grouped by SQL text, with calls, time and rows per iteration. In-process run of bench/llm-loop.ts's
// work (scripted instant LLM, one-sed evaluator), 1 worker. Not part of `npm run bench`; run it when
// the store's share of an iteration is in question:  node --import tsx bench/statements.ts [iterations]
import { PGlite } from '@electric-sql/pglite';
import { startLlmServer } from '../test/support/llm-server.ts';
import { createRepo, reply } from './llm-loop.ts';
import { runLoop } from './support.ts';
const stats = new Map<string, { n: number; rows: number; ms: number }>();
const proto = PGlite.prototype as any;
for (const m of ['query', 'exec']) {
  const orig = proto[m];
  proto[m] = async function (this: unknown, sql: string, ...rest: unknown[]) {
    const t = performance.now();
    const r = await orig.call(this, sql, ...rest);
    const k = m + ' ' + sql.replace(/\s+/g, ' ').slice(0, 110);
    const s = stats.get(k) ?? { n: 0, rows: 0, ms: 0 };
    s.n++; s.ms += performance.now() - t; s.rows += Array.isArray(r) ? r.reduce((a: number, x: any) => a + (x.rows?.length ?? 0), 0) : (r?.rows?.length ?? 0);
    stats.set(k, s);
    return r;
  };
}
const origTx = proto.transaction;
proto.transaction = function (this: unknown, cb: (tx: any) => unknown) {
  return origTx.call(this, (tx: any) => {
    for (const m of ['query', 'exec']) {
      const o = tx[m].bind(tx);
      tx[m] = async (sql: string, ...rest: unknown[]) => {
        const t = performance.now();
        const r = await o(sql, ...rest);
        const k = 'tx.' + m + ' ' + sql.replace(/\s+/g, ' ').slice(0, 110);
        const st = stats.get(k) ?? { n: 0, rows: 0, ms: 0 };
        st.n++; st.ms += performance.now() - t; st.rows += Array.isArray(r) ? r.reduce((a: number, x: any) => a + (x.rows?.length ?? 0), 0) : (r?.rows?.length ?? 0);
        stats.set(k, st);
        return r;
      };
    }
    return cb(tx);
  });
};
const server = await startLlmServer(reply);
const repo = await createRepo(server.url);
const N = Number(process.argv[2] ?? 200);
await runLoop(repo.dir, { env: { LLM_LOOP_KEY: 'sk-bench' }, workers: 1, maxEvals: N });
let total = 0, tms = 0;
for (const [k, s] of [...stats].sort((a, b) => b[1].ms - a[1].ms)) { total += s.n; tms += s.ms; if (s.n >= N / 4) console.log((s.n / N).toFixed(2).padStart(5), '/it', (s.ms / N).toFixed(2).padStart(6), 'ms/it rows/call', (s.rows / s.n).toFixed(1).padStart(6), k); }
console.log('statements/it', (total / N).toFixed(1), 'ms/it', (tms / N).toFixed(1));
await server.close(); await repo.cleanup();
