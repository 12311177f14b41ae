// The redactor: which values count as secrets (configured API keys, key/token/password-named
// variables, database URL passwords) and that every occurrence, in text and in records, becomes ***.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRedactor, isSecretName, redactError, REDACTED } from '../../src/security/redact.ts';
import { CambrianError } from '../../src/errors.ts';
import type { CambrianConfig } from '../../src/config/schema.ts';

const llmWithKey = (apiKeyEnv: string) => ({ llm: { models: [{ apiKeyEnv }] } }) as unknown as Pick<CambrianConfig, 'llm'>;

describe('createRedactor', () => {
  it('scrubs the value of a configured apiKeyEnv, whatever the variable is called', () => {
    const redactor = createRedactor({ env: { LLM_ENDPOINT_CRED: undefined, MYSTERY: 'abcdefgh12345678' }, config: llmWithKey('MYSTERY') });
    assert.equal(redactor.secrets, 1);
    assert.equal(redactor.redact('key=abcdefgh12345678.'), `key=${REDACTED}.`);
  });

  it('scrubs variables named like tokens, keys and passwords', () => {
    const env = {
      GITHUB_TOKEN: 'ghp_0123456789abcdef',
      OPENAI_API_KEY: 'sk-live-aaaaaaaaaaaa',
      PGPASSWORD: 'hunter2hunter2',
      npm_config__authToken: 'npm_tok_987654321',
    };
    const redactor = createRedactor({ env });
    assert.equal(redactor.secrets, 4);
    const text = Object.values(env).join(' | ');
    assert.equal(redactor.redact(text), [REDACTED, REDACTED, REDACTED, REDACTED].join(' | '));
  });

  it('leaves ordinary variables, short values, paths and numbers alone', () => {
    const env = {
      PATH: '/usr/bin:/bin',
      HOME: '/home/someone',
      GIT_AUTHOR_NAME: 'Cambrian Test Author',
      MY_TOKEN: 'short',
      GOOGLE_APPLICATION_CREDENTIALS: '/etc/creds/service.json',
      SSH_AUTH_SOCK: '/tmp/ssh-XXXX/agent.1',
      KEY_TIMEOUT_MS: '120000000',
      SOME_KEY: 'true',
    };
    const redactor = createRedactor({ env });
    assert.equal(redactor.secrets, 0);
    const text = `${Object.values(env).join(' ')} short passes`;
    assert.equal(redactor.redact(text), text);
  });

  it('scrubs the password of the database URL, and of any URL in the text', () => {
    const redactor = createRedactor({ databaseUrl: 'postgres://cambrian:s3cr3t-pa55word@db.example:5432/evo' });
    assert.equal(redactor.secrets, 1);
    assert.equal(redactor.redact('auth failed for s3cr3t-pa55word'), `auth failed for ${REDACTED}`);
    assert.equal(
      redactor.redact('could not reach redis://user:other-pw@cache:6379/0 nor https://example.com/a@b'),
      `could not reach redis://user:${REDACTED}@cache:6379/0 nor https://example.com/a@b`,
    );
  });

  it('finds URL passwords in DATABASE_URL-like variables', () => {
    const redactor = createRedactor({ env: { CAMBRIAN_DATABASE_URL: 'postgres://u:longpassword1@h/db', DATABASE_URL: 'postgres://h/db' } });
    assert.equal(redactor.secrets, 1);
    assert.equal(redactor.redact('password longpassword1 rejected'), `password ${REDACTED} rejected`);
  });

  it('replaces every occurrence, longest secret first, and base64 / JSON-escaped forms', () => {
    const secret = 'sk-test-"quoted"-0123';
    const redactor = createRedactor({ env: { A_TOKEN: secret, B_TOKEN: 'sk-test-"quo' } });
    const many = Array.from({ length: 1000 }, () => secret).join('\n');
    assert.equal(redactor.redact(many), Array.from({ length: 1000 }, () => REDACTED).join('\n'));
    assert.equal(redactor.redact(JSON.stringify({ leaked: secret })), `{"leaked":"${REDACTED}"}`);
    assert.equal(redactor.redact(`b64 ${Buffer.from(secret).toString('base64')}`), `b64 ${REDACTED}`);
  });

  it('redactDeep scrubs strings in records, keeps Dates and returns unchanged values as they are', () => {
    const redactor = createRedactor({ env: { SERVICE_TOKEN: 'tok-1234567890' } });
    const at = new Date(0);
    const record = { at, n: 3, stages: [{ stdout: 'got tok-1234567890', stderr: '' }], reason: null };
    const out = redactor.redactDeep(record);
    assert.deepEqual(out, { at, n: 3, stages: [{ stdout: `got ${REDACTED}`, stderr: '' }], reason: null });
    assert.equal(out.at, at);
    assert.equal(record.stages[0]!.stdout, 'got tok-1234567890', 'the input is not mutated');
    const clean = { a: ['x', { b: 'y' }] };
    assert.equal(redactor.redactDeep(clean), clean);
  });

  it('redactError scrubs message and hint and keeps the error class and code', () => {
    const redactor = createRedactor({ env: { SERVICE_TOKEN: 'tok-1234567890' } });
    const error = redactError(new CambrianError('CAMBRIAN_EVALUATOR_FAILED', 'seed failed: tok-1234567890', { hint: 'tok-1234567890' }), redactor);
    assert.ok(error instanceof CambrianError);
    assert.equal(error.code, 'CAMBRIAN_EVALUATOR_FAILED');
    assert.equal(error.message, `seed failed: ${REDACTED}`);
    assert.equal(error.hint, REDACTED);
    assert.ok(!error.stack?.includes('tok-1234567890'));
  });
});

describe('isSecretName', () => {
  it('matches whole name segments ending in a secret word', () => {
    for (const name of ['OPENAI_API_KEY', 'APIKEY', 'GITHUB_TOKEN', 'PGPASSWORD', 'DB_PASS', 'AWS_SECRET_ACCESS_KEY', 'OAUTH', 'PRIVATE_KEY']) {
      assert.ok(isSecretName(name), name);
    }
    for (const name of ['PATH', 'HOME', 'GIT_AUTHOR_NAME', 'KEYBOARD_LAYOUT', 'PASSENGER_ENV', 'SSH_AUTH_SOCK', 'PWD']) {
      assert.ok(!isSecretName(name), name);
    }
  });
});
