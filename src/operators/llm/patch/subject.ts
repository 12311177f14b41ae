// Extracts the commit subject a model was asked to write (`<subject>…</subject>` or a
// `Subject: …` line outside code), sanitised to one printable line of at most 72 characters.

export const MAX_SUBJECT_CHARS = 72;

export function extractSubject(reply: string): string | null {
  const tagged = /<subject>([\s\S]*?)<\/subject>/i.exec(reply);
  if (tagged) return sanitiseSubject(tagged[1]!);
  let inFence = false;
  let inBlock = false;
  for (const line of reply.replace(/\r\n?/g, '\n').split('\n')) {
    if (/^\s*(`{3,}|~{3,})/.test(line)) inFence = !inFence;
    else if (/^\s*<{5,9}\s*SEARCH/.test(line)) inBlock = true;
    else if (/^\s*>{5,9}\s*REPLACE/.test(line)) inBlock = false;
    if (inFence || inBlock) continue;
    const m = /^\s*[*_]*subject[*_]*\s*:\s*[*_]*(.*)$/i.exec(line);
    if (m) return sanitiseSubject(m[1]!);
  }
  return null;
}

/** One line, no control characters or markdown emphasis, collapsed spaces, ≤ 72 chars; null if empty. */
export function sanitiseSubject(raw: string, maxChars = MAX_SUBJECT_CHARS): string | null {
  let text = raw
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/[*_`]+/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^["'“]+|["'”]+$/g, '')
    .trim();
  if (text.length > maxChars) {
    const cut = text.slice(0, maxChars + 1);
    const space = cut.lastIndexOf(' ');
    text = (space > maxChars / 2 ? cut.slice(0, space) : text.slice(0, maxChars)).trimEnd();
  }
  return text.length > 0 ? text : null;
}
