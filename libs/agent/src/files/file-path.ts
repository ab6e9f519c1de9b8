export type PathVerdict = { ok: true; path: string; repairs: string[] } | { ok: false; reason: string };

/** Longest path the runner accepts (libs/contracts `ZAppFilePath`). */
const MAX_PATH_LENGTH = 240;

/**
 * Turns a path as a model wrote it into a path relative to the app folder, or refuses it.
 * Cosmetic noise is repaired (quotes, backticks, a leading `./`, doubled slashes); anything
 * that could reach outside the app is refused rather than "fixed": `..` segments (also
 * percent-encoded), absolute and drive paths, `~`, backslashes (a Windows `..\` would pass a
 * slash-only check), NUL and control characters, and `.git` (hooks run code).
 */
export function sanitizeFilePath(raw: string): PathVerdict {
  const repairs: string[] = [];
  if (/[\0-\x1f\x7f]/.test(raw.replace(/^[ \t]+|[ \t]+$/g, '')))
    return { ok: false, reason: 'contains NUL or control characters' };
  let p = raw.trim();
  const unquoted = p
    .replace(/^[`'"*]+|[`'"*]+$/g, '')
    .replace(/:$/, '')
    .trim();
  if (unquoted !== p) {
    repairs.push(`path unquoted (${JSON.stringify(raw)})`);
    p = unquoted;
  }
  if (p === '') return { ok: false, reason: 'empty path' };
  if (p.includes('\\')) return { ok: false, reason: 'contains a backslash' };
  if (/^[a-z][a-z0-9+.-]*:/i.test(p)) return { ok: false, reason: 'is a URL or drive path' };
  if (p.startsWith('/')) return { ok: false, reason: 'is absolute' };
  if (p.startsWith('~')) return { ok: false, reason: 'refers to a home directory' };
  let decoded = p;
  try {
    decoded = decodeURIComponent(p);
  } catch {
    // not percent-encoded; keep as is
  }
  if (/[\0\\]/.test(decoded)) return { ok: false, reason: 'encodes NUL or a backslash' };
  const segments = p.split('/');
  if (decoded.split('/').some((s) => s === '..') || segments.some((s) => s === '..')) {
    return { ok: false, reason: 'escapes the app folder (..)' };
  }
  const kept = segments.filter((s) => s !== '' && s !== '.');
  if (kept.length !== segments.length) repairs.push('normalized `./` and empty segments');
  if (kept.length === 0) return { ok: false, reason: 'names the app folder itself' };
  if (kept.some((s) => s.toLowerCase() === '.git')) return { ok: false, reason: 'writes into .git' };
  if (kept.at(-1)!.endsWith('.') && /^\.+$/.test(kept.at(-1)!)) return { ok: false, reason: 'is not a file name' };
  const path = kept.join('/');
  if (path.length > MAX_PATH_LENGTH) return { ok: false, reason: `longer than ${MAX_PATH_LENGTH} characters` };
  return { ok: true, path, repairs };
}

/** Whether a token written by a model plausibly names a file (used for headers like "**src/App.tsx**"). */
export function looksLikeFilePath(token: string): boolean {
  const t = token.trim();
  if (t === '' || /\s/.test(t) || t.length > MAX_PATH_LENGTH) return false;
  const last = t.split(/[\\/]/).at(-1) ?? '';
  // A file name with an extension, or a known extension-less file.
  return (
    /^[^.]*\.[A-Za-z0-9]{1,10}$|^\.[A-Za-z0-9._-]+$|\.[A-Za-z0-9]{1,10}$/.test(last) ||
    /^(Dockerfile|Makefile|LICENSE|Procfile)$/.test(last)
  );
}
