import type { FileView } from '../../../lib/session-view';

/** The selected file: its last version, or the one being written while chunks arrive. */
export function CodeView({
  file,
  following,
  onFollow,
}: {
  file: FileView | undefined;
  following: boolean;
  onFollow: () => void;
}) {
  const text = file ? (file.streaming ?? file.contents) : '';
  return (
    <section className="card panel code-panel" aria-labelledby="code-title">
      <div className="card-head">
        <h2 id="code-title" className="code-title">
          {file ? <span className="file-path">{file.path}</span> : 'Code'}
        </h2>
        {file?.streaming !== null && file !== undefined && <span className="tag implementing">writing…</span>}
        {!following && (
          <button type="button" className="link-button" onClick={onFollow}>
            Follow the agent
          </button>
        )}
      </div>
      {file?.purpose && <p className="muted code-purpose">{file.purpose}</p>}
      {file?.state === 'unfinished' ? (
        <p className="muted">The run ended before this file was written.</p>
      ) : file ? (
        <pre className="code" data-testid="code-view" aria-label={`Contents of ${file.path}`} tabIndex={0}>
          <code>
            {text.split('\n').map((line, i) => (
              <span className="code-line" key={i}>
                {line}
              </span>
            ))}
          </code>
        </pre>
      ) : (
        <p className="muted">The files appear here as the agent writes them.</p>
      )}
    </section>
  );
}
