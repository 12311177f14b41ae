// The literal inlining behind batched embedded-store writes: what it inlines, and everything it
// refuses to inline (those statements take PGlite's ordinary parameter path instead).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inlineParameters, toLiteral, toQueued } from '../../src/store/batched-writes.ts';

describe('batched writes: literal inlining', () => {
  it('quotes every value as an untyped literal whose only escape is a doubled quote', () => {
    assert.equal(toLiteral("it's"), "'it''s'");
    assert.equal(toLiteral('back\\slash'), "'back\\slash'");
    assert.equal(toLiteral(1.5), "'1.5'");
    assert.equal(toLiteral(-Infinity), "'-Infinity'");
    assert.equal(toLiteral(10n), "'10'");
    assert.equal(toLiteral(true), "'t'");
    assert.equal(toLiteral(null), 'NULL');
    assert.equal(toLiteral(undefined), 'NULL');
    assert.equal(toLiteral(new Date('2026-01-02T03:04:05.678Z')), "'2026-01-02T03:04:05.678Z'");
  });

  it('refuses values it cannot render exactly: NUL characters, objects, buffers, invalid dates', () => {
    assert.equal(toLiteral('a\0b'), null);
    assert.equal(toLiteral({ a: 1 }), null);
    assert.equal(toLiteral([1, 2]), null);
    assert.equal(toLiteral(Buffer.from('x')), null);
    assert.equal(toLiteral(new Date(Number.NaN)), null);
  });

  it('replaces placeholders outside quoted text only', () => {
    assert.equal(
      inlineParameters(`update "t" set "a" = $1, "b" = '$2 stays', "c$2" = $2`, ["'x'", "'y'"]),
      `update "t" set "a" = 'x', "b" = '$2 stays', "c$2" = 'y'`,
    );
    assert.equal(inlineParameters(`insert into t values ('it''s $1', $1)`, ["'v'"]), `insert into t values ('it''s $1', 'v')`);
  });

  it('refuses SQL it does not fully follow: missing values, comments, E-strings, dollar quotes, several statements', () => {
    assert.equal(inlineParameters('insert into t values ($2)', ["'a'"]), null);
    assert.equal(inlineParameters('insert into t values ($1) -- c', ["'a'"]), null);
    assert.equal(inlineParameters('insert into t values ($1) /* c */', ["'a'"]), null);
    assert.equal(inlineParameters(`insert into t values (E'\\n', $1)`, ["'a'"]), null);
    assert.equal(inlineParameters('insert into t values ($$x$$)', []), null);
    assert.equal(inlineParameters('insert into t values (1); delete from t', []), null);
    assert.equal(inlineParameters(`insert into t values ('unterminated`, []), null);
  });

  it('queues plain writes and id-checked updates; leaves other RETURNING lists and reads alone', () => {
    assert.deepEqual(toQueued('insert into "t" ("a") values ($1)', ['x']), { sql: `insert into "t" ("a") values ('x')`, mustMatch: null });
    const checked = toQueued('update "jobs" set "a" = $1 where "jobs"."id" = $2 returning "id"', ['x', 'j1']);
    assert.match(checked?.mustMatch ?? '', /cannot update jobs: no such row/);
    assert.equal(toQueued('insert into "t" ("a") values ($1) returning "a", "b"', ['x']), null);
    assert.equal(toQueued('delete from "t" where "a" = $1 returning "id"', ['x']), null);
    assert.equal(toQueued('insert into "t" ("a") values ($1)', ['a\0b']), null);
  });
});
