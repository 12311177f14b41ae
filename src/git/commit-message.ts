// The text of a Cambrian commit and the checks on what goes into one: a one-line subject, an
// optional body, a trailer block git can parse (`git interpret-trailers --parse`), and safe paths.
import { CambrianError } from '../errors.ts';
import type { CommitRequest } from './port.ts';

const TRAILER_KEY = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

/** `subject`, a blank line, the body, a blank line, then one `Key: value` line per trailer. */
export function formatCommitMessage(request: Pick<CommitRequest, 'subject' | 'body' | 'trailers'>): string {
  const subject = request.subject.trim();
  if (subject === '' || subject.includes('\n')) {
    throw new CambrianError('CAMBRIAN_BAD_ARGUMENT', `commit subject must be one non-empty line, got ${JSON.stringify(request.subject)}`);
  }
  const paragraphs = [subject];
  const body = request.body?.trim();
  if (body) paragraphs.push(body);
  if (request.trailers.length > 0) {
    paragraphs.push(request.trailers.map(([key, value]) => formatTrailer(key, value)).join('\n'));
  }
  return `${paragraphs.join('\n\n')}\n`;
}

function formatTrailer(key: string, value: string): string {
  if (!TRAILER_KEY.test(key)) {
    throw new CambrianError('CAMBRIAN_BAD_ARGUMENT', `trailer key ${JSON.stringify(key)} must be letters, digits and dashes`);
  }
  if (/[\r\n]/.test(value)) {
    throw new CambrianError('CAMBRIAN_BAD_ARGUMENT', `trailer ${key} must be one line, got ${JSON.stringify(value)}`);
  }
  return `${key}: ${value.trim()}`;
}

/**
 * A repository-relative path as git stores it. A leading `./` is dropped; absolute paths, `..`,
 * empty segments and anything inside `.git` are refused: a candidate may only change its own tree.
 */
export function toTreePath(path: string): string {
  const trimmed = path.replace(/^(\.\/)+/, '');
  const segments = trimmed.split('/');
  const bad =
    trimmed === '' ||
    trimmed.includes('\0') ||
    path.startsWith('/') ||
    segments.some((segment) => segment === '' || segment === '.' || segment === '..' || segment.toLowerCase() === '.git');
  if (bad) {
    throw new CambrianError('CAMBRIAN_PATCH_REJECTED', `refusing to write path ${JSON.stringify(path)}`, {
      hint: 'Paths must be relative to the repository root, without "..", empty segments or .git.',
    });
  }
  return trimmed;
}
