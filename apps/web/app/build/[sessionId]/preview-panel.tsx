import { useState } from 'react';
import type { SessionView } from '../../../lib/session-view';

/** The latest deployment in a frame (the runner's proxy, another origin), with reload and a new-tab link. */
export function PreviewPanel({ preview, building }: { preview: SessionView['preview']; building: boolean }) {
  const [reloads, setReloads] = useState(0);
  return (
    <section className="card panel preview-panel" aria-labelledby="preview-title">
      <div className="card-head">
        <h2 id="preview-title">Preview</h2>
        {preview && (
          <div className="head-actions">
            <button type="button" onClick={() => setReloads((n) => n + 1)}>
              Reload
            </button>
            <a href={preview.url} target="_blank" rel="noreferrer" className="button-link">
              Open in a new tab ↗
            </a>
          </div>
        )}
      </div>
      {preview ? (
        <>
          <p className="muted preview-url" title={preview.url}>
            {preview.url}
          </p>
          <iframe
            // A new deployment or a reload loads the frame afresh.
            key={`${preview.deployments}:${reloads}`}
            className="preview-frame"
            src={preview.url}
            title="App preview"
            data-testid="preview-frame"
            sandbox="allow-scripts allow-same-origin allow-forms allow-popups allow-modals"
          />
        </>
      ) : (
        <div className="preview-empty">
          <p className="muted">
            {building ? 'The preview appears once the first phase is deployed.' : 'No preview was deployed.'}
          </p>
        </div>
      )}
    </section>
  );
}
