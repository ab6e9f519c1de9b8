import type { TCodeIssue, TRuntimeError, TStaticAnalysis } from '@kiln/contracts';

const SHOWN = 30;

/** Static analysis issues (lint, typecheck) and runtime errors from the last check, when there are any. */
export function ChecksPanel({
  staticAnalysis,
  runtimeErrors,
}: {
  staticAnalysis: TStaticAnalysis | undefined;
  runtimeErrors: TRuntimeError[];
}) {
  if (!staticAnalysis && runtimeErrors.length === 0) return null;
  const issues: (TCodeIssue & { check: string })[] = staticAnalysis
    ? [
        ...staticAnalysis.typecheck.issues.map((i) => ({ ...i, check: 'typecheck' })),
        ...staticAnalysis.lint.issues.map((i) => ({ ...i, check: 'lint' })),
      ]
    : [];
  const clean = issues.length === 0 && runtimeErrors.length === 0 && !staticAnalysis?.error;
  return (
    <section className="card panel" aria-labelledby="checks-title" data-testid="checks">
      <div className="card-head">
        <h2 id="checks-title">Checks</h2>
        <span className={`pill ${clean ? 'ok' : 'fail'}`}>
          {clean
            ? 'No problems'
            : `${issues.length + runtimeErrors.length} problem${issues.length + runtimeErrors.length === 1 ? '' : 's'}`}
        </span>
      </div>
      {clean && <p className="muted">Lint and typecheck found nothing; no runtime errors.</p>}
      {staticAnalysis?.error && <p className="error">{staticAnalysis.error}</p>}
      {issues.length > 0 && (
        <ul className="issues">
          {issues.slice(0, SHOWN).map((issue, i) => (
            <li key={i} className={issue.severity}>
              <span className={`tag ${issue.severity === 'error' ? 'fail' : 'generated'}`}>{issue.check}</span>
              <span className="file-path">
                {issue.filePath}:{issue.line}
              </span>
              <span>{issue.message}</span>
            </li>
          ))}
          {issues.length > SHOWN && <li className="muted">and {issues.length - SHOWN} more</li>}
        </ul>
      )}
      {runtimeErrors.length > 0 && (
        <>
          <h3 className="sub-title">Runtime errors</h3>
          <ul className="issues">
            {runtimeErrors.slice(0, SHOWN).map((error, i) => (
              <li key={i}>
                <span className="tag fail">{error.level >= 60 ? 'fatal' : 'error'}</span>
                <span>{error.message}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
