import type { Conditional, EtagCondition } from './r2-descriptors.js';

/** What a precondition is tested against: the current object, if there is one. */
export interface ConditionTarget {
  etag: string;
  uploaded: number;
}

/**
 * R2's `onlyIf`, with HTTP's precedence rules as Miniflare implements them: If-None-Match
 * overrides If-Modified-Since and If-Match overrides If-Unmodified-Since (RFC 9110 §13.2.2), and
 * If-None-Match compares weakly while If-Match compares strongly.
 */
export function conditionHolds(cond: Conditional, object: ConditionTarget | undefined): boolean {
  // A missing object fails only the conditions that need one to exist; so a conditional put can
  // create a key (e.g. etagDoesNotMatch "*": "create only if absent").
  if (object === undefined) return cond.etagMatches === undefined && cond.uploadedAfter === undefined;

  const ifMatch = cond.etagMatches === undefined || includesEtag(cond.etagMatches, object.etag, 'strong');
  const ifNoneMatch = cond.etagDoesNotMatch === undefined || !includesEtag(cond.etagDoesNotMatch, object.etag, 'weak');
  // Headers-form conditions come from HTTP dates, which have whole seconds only.
  const trunc = cond.secondsGranularity ? (ms: number) => Math.floor(ms / 1000) * 1000 : (ms: number) => ms;
  const lastModified = trunc(object.uploaded);
  const ifModifiedSince =
    cond.uploadedAfter === undefined ||
    trunc(cond.uploadedAfter) < lastModified ||
    (cond.etagDoesNotMatch !== undefined && ifNoneMatch);
  const ifUnmodifiedSince =
    cond.uploadedBefore === undefined ||
    lastModified < trunc(cond.uploadedBefore) ||
    (cond.etagMatches !== undefined && ifMatch);
  return ifMatch && ifNoneMatch && ifModifiedSince && ifUnmodifiedSince;
}

function includesEtag(conditions: readonly EtagCondition[], etag: string, comparison: 'strong' | 'weak'): boolean {
  return conditions.some(
    (c) => c.type === 'wildcard' || (c.value === etag && (c.type === 'strong' || comparison === 'weak')),
  );
}
